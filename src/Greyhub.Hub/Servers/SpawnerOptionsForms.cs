using System.Text.Json;
using Ganss.Xss;
using Greyhub.Abstractions.Compute;
using Greyhub.Data;
using Microsoft.AspNetCore.Http;

namespace Greyhub.Hub.Servers;

/// <summary>
/// A spawner's own options form (JupyterHub's <c>options_form</c>) on the spawn page. The HTML comes from a spawner the
/// operator configured — with a plug-in, from another process — so it is sanitised to form fields and plain markup
/// before the page shows it: no scripts, event handlers, styles that load anything, nested forms or form overrides.
/// What the user posts goes back through the spawner's <c>options_from_form</c> to become <c>user_options</c>.
/// </summary>
internal static class SpawnerOptionsForms
{
    /// <summary>The hidden field that marks a post as coming from a spawner's form.</summary>
    public const string Marker = "greyhub-options-form";

    private static readonly HtmlSanitizer Sanitizer = CreateSanitizer();

    /// <summary>The sanitised form of <paramref name="spawner"/> for this server, or null when it has none.</summary>
    public static async Task<string?> HtmlAsync(ISpawner spawner, UserRecord owner, string server, CancellationToken cancellationToken)
    {
        if (spawner is not ISpawnerOptionsForm form)
        {
            return null;
        }
        var html = await form.GetOptionsFormAsync(new SpawnUser(owner.Name, server, owner.Admin, owner.Groups), cancellationToken);
        return html is null ? null : Sanitizer.Sanitize(html);
    }

    /// <summary>
    /// <paramref name="html"/> from a plug-in reduced to form fields and plain markup, for a form of the hub's own (the
    /// spawn page's options; the sign-in page's LoginForms builds on it).
    /// </summary>
    public static string Sanitize(string html) => Sanitizer.Sanitize(html);

    /// <summary>
    /// The posted fields (all but the hub's own) through the spawner's <c>options_from_form</c>, as <c>user_options</c>;
    /// null when the post did not come from a spawner's form.
    /// </summary>
    public static async Task<JsonElement?> UserOptionsAsync(ISpawner spawner, UserRecord owner, string server, IFormCollection posted, CancellationToken cancellationToken)
    {
        if (spawner is not ISpawnerOptionsForm form || posted[Marker] != "1")
        {
            return null;
        }
        var fields = posted
            .Where(f => f.Key is not (Marker or "next" or Auth.HubCookies.Xsrf))
            .ToDictionary(f => f.Key, f => (IReadOnlyList<string>)[.. f.Value.Select(v => v ?? "")], StringComparer.Ordinal);
        var options = await form.OptionsFromFormAsync(new SpawnUser(owner.Name, server, owner.Admin, owner.Groups), fields, cancellationToken);
        using var document = JsonDocument.Parse(options);
        return document.RootElement.Clone();
    }

    /// <summary>A sanitiser of the policy above, for a form of the hub's own that shows plug-in markup.</summary>
    internal static HtmlSanitizer CreateSanitizer()
    {
        var sanitizer = new HtmlSanitizer();
        // Form fields, which the default set leaves out; never <form> or <button> (the page's own form and button post).
        foreach (var tag in (string[])["input", "select", "option", "optgroup", "textarea", "label", "fieldset", "legend", "datalist"])
        {
            sanitizer.AllowedTags.Add(tag);
        }
        sanitizer.AllowedTags.Remove("form");
        sanitizer.AllowedTags.Remove("button");
        foreach (var attribute in (string[])["name", "value", "type", "checked", "selected", "multiple", "min", "max", "step", "placeholder",
            "for", "id", "required", "disabled", "readonly", "rows", "cols", "size", "pattern", "list", "maxlength", "minlength", "aria-describedby", "aria-label"])
        {
            sanitizer.AllowedAttributes.Add(attribute);
        }
        // Attributes that would send the form elsewhere or restyle the page stay out.
        foreach (var attribute in (string[])["formaction", "formmethod", "formtarget", "form", "style"])
        {
            sanitizer.AllowedAttributes.Remove(attribute);
        }
        return sanitizer;
    }
}
