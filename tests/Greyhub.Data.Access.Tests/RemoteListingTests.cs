using System.Text;
using Greyhub.Data.Access.Remote;

namespace Greyhub.Data.Access.Tests;

/// <summary>
/// Index pages are hostile input: only links that resolve to a direct sub-folder of the page's own folder are names
/// (never a parent, another host, a query, an escape that decodes to a separator, a hidden or metadata name), a page
/// of a million nested elements is one pass, and a cancelled read stops. And the remote limits are checked at start.
/// </summary>
public sealed class RemoteListingTests
{
    private static readonly Uri Folder = new("http://files.example.org/share/store.zarr/group/");

    [Fact]
    public void Only_direct_sub_folders_of_the_page_are_names()
    {
        const string html = """
            <!DOCTYPE html><html><body><ul>
            <li><a href="temp/">temp/</a></li>
            <li><A HREF='lat/'>lat</A></li>
            <li><a href="/share/store.zarr/group/lon/">absolute path, same folder</a></li>
            <li><a href="http://files.example.org/share/store.zarr/group/time/">absolute URL, same folder</a></li>
            <li><a href="with%20space/">escaped space</a></li>
            <li><a href="temp/">temp again</a></li>
            <li><a href="../">parent</a></li>
            <li><a href="../other/">sibling of the group</a></li>
            <li><a href="/etc/">root</a></li>
            <li><a href="http://evil.example.org/share/store.zarr/group/x/">other host</a></li>
            <li><a href="https://files.example.org/share/store.zarr/group/y/">other scheme</a></li>
            <li><a href="z/?page=2">query</a></li>
            <li><a href="f/#frag">fragment</a></li>
            <li><a href="%2e%2e/">escaped dots</a></li>
            <li><a href="a%2fb/">escaped slash</a></li>
            <li><a href="a/b/">two levels</a></li>
            <li><a href=".hidden/">hidden</a></li>
            <li><a href=".zarray">metadata file</a></li>
            <li><a href="0.0">chunk file</a></li>
            <li><a href="javascript:alert(1)">script</a></li>
            <li><a>no href</a></li>
            <li><link href="css/"><area href="area/"></li>
            <!-- <a href="commented/">commented out</a> -->
            <script>document.write('<a href="scripted/">x</a>')</script>
            <li><a href="&#116;ab/">entity-encoded</a></li>
            </ul></body></html>
            """;
        var names = RemoteListing.ChildFolders(html, Folder, TestContext.Current.CancellationToken);
        Assert.Equal(["temp", "lat", "lon", "time", "with space", "tab"], names);
    }

    [Fact]
    public void A_page_of_a_million_nested_elements_is_one_pass()
    {
        var html = new StringBuilder();
        for (var i = 0; i < 1_000_000; i++)
        {
            html.Append("<div>");
        }
        html.Append("<a href=\"deep/\">deep</a>");
        Assert.Equal(["deep"], RemoteListing.ChildFolders(html.ToString(), Folder, TestContext.Current.CancellationToken));
    }

    [Fact]
    public void A_cancelled_read_stops()
    {
        var html = string.Concat(Enumerable.Repeat("<a href=\"x/\">x</a>", 10_000));
        Assert.Throws<OperationCanceledException>(() => RemoteListing.ChildFolders(html, Folder, new CancellationToken(canceled: true)));
    }

    [Fact]
    public void Remote_limits_are_checked_at_start_and_every_problem_is_reported()
    {
        var options = new DataAccessOptions
        {
            RemoteMaxMetadataBytes = 0,
            RemoteMaxListingBytes = 1L << 40,
            RemoteMaxChunkBytes = 4L << 30,
            RemoteCrawlMaxDocuments = 0,
            RemoteCrawlMaxDepth = -1,
            RemoteDeadline = TimeSpan.Zero,
        };
        var result = new DataAccessOptionsValidator().Validate(null, options);
        Assert.True(result.Failed);
        foreach (var name in new[] { "RemoteMaxMetadataBytes", "RemoteMaxListingBytes", "RemoteMaxChunkBytes", "RemoteCrawlMaxDocuments", "RemoteCrawlMaxDepth", "RemoteDeadline" })
        {
            Assert.Contains(result.Failures!, f => f.Contains(name, StringComparison.Ordinal));
        }
        Assert.True(new DataAccessOptionsValidator().Validate(null, new DataAccessOptions()).Succeeded);
    }
}
