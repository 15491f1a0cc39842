// The home page's "Copy link" buttons for a new invitation: copy the link beside it, and say so. Without script (or
// clipboard access) the link stays selectable in its read-only field.
for (const button of document.querySelectorAll('button[data-copy]')) {
  const source = document.getElementById(button.dataset.copy);
  if (!source) continue;
  button.addEventListener('click', async () => {
    source.focus();
    source.select();
    try {
      await navigator.clipboard.writeText(source.value);
      button.textContent = 'Copied';
    } catch {
      button.textContent = 'Selected: press Ctrl+C';
    }
  });
}
