using Ganss.Xss;
using Greyhub.Hub.Servers;

namespace Greyhub.Hub.Login;

/// <summary>
/// An authenticator's own sign-in fields (JupyterHub's <c>custom_html</c>), shown inside the hub's sign-in form in place
/// of its username and password fields. The spawner options form's policy (form fields and plain markup), and: no links
/// (a phishing link on the sign-in page); ids, and the references to them, prefixed with <see cref="IdPrefix"/> so that
/// none collides with the page's own while labels still work; a field named as one of the hub's hidden ones
/// (<c>_xsrf</c>, <c>next</c>) keeps its markup and loses its name. Its <c>username</c> and <c>password</c> fields keep
/// theirs: they are what the hub checks.
/// </summary>
internal static class LoginForms
{
    /// <summary>Longer sign-in fields than this are not shown: the page says nothing rather than a megabyte of markup.</summary>
    public const int MaxLength = 64 * 1024;

    /// <summary>What an authenticator's ids get in front on the sign-in page (no id of the hub's own page starts so).</summary>
    public const string IdPrefix = "custom-";

    private static readonly HtmlSanitizer Sanitizer = CreateSanitizer();

    /// <summary>The last plug-in text and its sanitised form: the text is the same string for as long as its handshake holds.</summary>
    private static volatile Tuple<string, string?>? _last;

    /// <summary>
    /// <paramref name="html"/> sanitised as above; null when longer than <see cref="MaxLength"/>. Sanitised once per
    /// handshake's text, not on every sign-in page.
    /// </summary>
    public static string? Sanitize(string html)
    {
        if (_last is { } last && ReferenceEquals(last.Item1, html))
        {
            return last.Item2;
        }
        var clean = html.Length > MaxLength ? null : Sanitizer.Sanitize(html);
        _last = Tuple.Create(html, clean);
        return clean;
    }

    private static HtmlSanitizer CreateSanitizer()
    {
        var sanitizer = SpawnerOptionsForms.CreateSanitizer();
        sanitizer.AllowedTags.Remove("a");
        sanitizer.PostProcessNode += (_, e) =>
        {
            if (e.Node is not AngleSharp.Dom.IElement element)
            {
                return;
            }
            if (element.GetAttribute("name") is { } name && name.Trim().ToLowerInvariant() is Auth.HubCookies.Xsrf or "next")
            {
                element.RemoveAttribute("name");
            }
            foreach (var attribute in (string[])["id", "for", "list"])
            {
                if (element.GetAttribute(attribute) is { } id)
                {
                    element.SetAttribute(attribute, IdPrefix + id);
                }
            }
            if (element.GetAttribute("aria-describedby") is { } described)
            {
                element.SetAttribute("aria-describedby", string.Join(' ', described.Split(' ', StringSplitOptions.RemoveEmptyEntries).Select(id => IdPrefix + id)));
            }
        };
        return sanitizer;
    }
}
