namespace Greyhub.Hub.Pages;

/// <summary>
/// A link a brick adds to the navigation bar of every hub page (<c>services.AddHubNavEntry(...)</c>), shown to signed-in
/// users whose scopes include <see cref="RequiredScope"/> in any form, filtered or not: the page itself decides what
/// the user sees there. The layout keeps the hub's own links (Home, Token, Admin) and lists these between them in
/// <see cref="Order"/>, then title order.
/// </summary>
/// <param name="Title">The link's text.</param>
/// <param name="Path">The page below the hub's prefix, without a leading slash (<c>clusters</c> for <c>/hub/clusters</c>).</param>
/// <param name="RequiredScope">The scope a user must hold (<c>read:clusters</c>).</param>
/// <param name="Order">Where the link goes among the bricks' links, lowest first.</param>
public sealed record HubNavEntry(string Title, string Path, string RequiredScope, int Order = 0)
{
    /// <summary>The link's element id, <c>nav-</c> and the path with slashes as dashes (<c>nav-clusters</c>).</summary>
    public string Id => "nav-" + Path.Replace('/', '-');
}
