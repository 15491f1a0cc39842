using AngleSharp.Dom;
using AngleSharp.Html;
using AngleSharp.Html.Parser;
using AngleSharp.Html.Parser.Tokens;
using AngleSharp.Text;
using Greyhub.Data.Access.Serving;

namespace Greyhub.Data.Access.Remote;

/// <summary>
/// The child folders an HTML index page links to (what Python's http.server, nginx's autoindex and Apache answer for a
/// folder), read with AngleSharp's HTML tokenizer, never a pattern: only <c>&lt;a href&gt;</c> start tags count, and
/// only links that resolve to a direct sub-folder of the page's own folder. No tree is built (a page of a million
/// nested elements costs one pass); the caller caps the page's size and the work stops when it is cancelled.
/// </summary>
internal static class RemoteListing
{
    /// <summary>The names of the sub-folders of <paramref name="folder"/> (a URL ending in <c>/</c>) that <paramref name="html"/> links to.</summary>
    public static IReadOnlyList<string> ChildFolders(string html, Uri folder, CancellationToken cancellationToken)
    {
        var names = new List<string>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        using var source = new TextSource(html);
        var tokenizer = new HtmlTokenizer(source, (IEntityProvider)HtmlEntityProvider.Resolver);
        for (var i = 0; ; i++)
        {
            if ((i & 1023) == 0)
            {
                cancellationToken.ThrowIfCancellationRequested();
            }
            var token = tokenizer.Get();
            if (token.Type == HtmlTokenType.EndOfFile)
            {
                return names;
            }
            if (token.Type != HtmlTokenType.StartTag || token is not HtmlTagToken tag)
            {
                continue;
            }
            // What the tree builder would tell the tokenizer: script and raw-text elements hold text, not tags.
            tokenizer.State = tag.Name.ToLowerInvariant() switch
            {
                "script" => HtmlParseMode.Script,
                "style" or "xmp" or "iframe" or "noembed" or "noframes" => HtmlParseMode.Rawtext,
                "textarea" or "title" => HtmlParseMode.RCData,
                "plaintext" => HtmlParseMode.Plaintext,
                _ => tokenizer.State,
            };
            if (string.Equals(tag.Name, "a", StringComparison.OrdinalIgnoreCase)
                && tag.GetAttribute("href") is { Length: > 0 } href && ChildOf(href, folder) is { } name && seen.Add(name))
            {
                names.Add(name);
            }
        }
    }

    /// <summary>The sub-folder name <paramref name="href"/> points to when it resolves to <c>folder/NAME/</c>, else null.</summary>
    public static string? ChildOf(string href, Uri folder)
    {
        if (!Uri.TryCreate(folder, href.Trim(), out var target)
            || !string.Equals(target.Scheme, folder.Scheme, StringComparison.OrdinalIgnoreCase)
            || !string.Equals(target.IdnHost, folder.IdnHost, StringComparison.OrdinalIgnoreCase)
            || target.Port != folder.Port || target.Query.Length > 0 || target.Fragment.Length > 0)
        {
            return null;
        }
        var path = target.AbsolutePath;
        if (!path.StartsWith(folder.AbsolutePath, StringComparison.Ordinal) || !path.EndsWith('/'))
        {
            return null;
        }
        var rest = path[folder.AbsolutePath.Length..^1];
        if (rest.Length == 0 || rest.Contains('/', StringComparison.Ordinal))
        {
            return null;
        }
        var name = Uri.UnescapeDataString(rest);
        return IsNodeName(name) ? name : null;
    }

    /// <summary>
    /// Whether <paramref name="name"/> may be a child node's name: one safe key segment, not hidden (a name starting
    /// with a dot is a metadata file or a server's own), not absurdly long.
    /// </summary>
    public static bool IsNodeName(string name) =>
        name.Length is > 0 and <= 255 && name[0] != '.' && !name.Contains('/', StringComparison.Ordinal) && DataEndpoints.KeyIsSafe(name);
}
