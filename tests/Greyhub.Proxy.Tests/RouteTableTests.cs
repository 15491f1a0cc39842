using System.Text;
using System.Text.Json;
using Greyhub.Abstractions.Proxy;

namespace Greyhub.Proxy.Tests;

/// <summary>The route table against configurable-http-proxy's store and trie: key normalisation and longest-prefix matching by segments.</summary>
public sealed class RouteTableTests
{
    private static readonly DateTime Added = new(2026, 12, 6, 22, 0, 0, DateTimeKind.Utc);

    private static ProxyRoute Route(string path, string target = "http://127.0.0.1:9000") =>
        new(ProxyRoutePath.Normalize(path), new Uri(target), new Dictionary<string, JsonElement>(), Added);

    [Theory]
    [InlineData("/user/alice/", "/user/alice")]
    [InlineData("user/alice", "/user/alice")]
    [InlineData("/user/alice", "/user/alice")]
    [InlineData("/", "/")]
    [InlineData("", "/")]
    [InlineData("/user/alice//", "/user/alice/")]
    public void Paths_are_normalised_as_chp_does(string given, string key) => Assert.Equal(key, ProxyRoutePath.Normalize(given));

    [Theory]
    [InlineData("/user/alice", "/user/alice")]
    [InlineData("/user/alice/", "/user/alice")]
    [InlineData("/user/alice/tree/x.ipynb", "/user/alice")]
    [InlineData("/user/alice/srv/x", "/user/alice/srv")]
    [InlineData("/user/alice/srv", "/user/alice/srv")]
    [InlineData("/user/alice/srvx", "/user/alice")]
    [InlineData("/user/al", null)]
    [InlineData("/user/al/x", null)]
    [InlineData("/user/alicex/x", null)]
    [InlineData("/user", null)]
    [InlineData("/hub/home", null)]
    [InlineData("//user//alice", null)]
    public void Matching_is_by_whole_segments_longest_first(string path, string? expected)
    {
        var table = new RouteTable();
        table.Set(Route("/user/alice/"));
        table.Set(Route("/user/alice/srv/"));
        table.Set(Route("/user/b"));

        Assert.Equal(expected, table.Match(path.AsSpan())?.Path);
    }

    [Fact]
    public void The_root_route_takes_what_no_other_takes()
    {
        var table = new RouteTable();
        table.Set(Route("/", "http://127.0.0.1:9001"));
        table.Set(Route("/user/alice"));

        Assert.Equal("/", table.Match("/hub/home".AsSpan())?.Path);
        Assert.Equal("/", table.Match("/".AsSpan())?.Path);
        Assert.Equal("/", table.Match("/user/al/x".AsSpan())?.Path);
        Assert.Equal("/user/alice", table.Match("/user/alice/lab".AsSpan())?.Path);
    }

    [Fact]
    public void Raw_targets_match_without_their_query()
    {
        var table = new RouteTable();
        table.Set(Route("/user/alice"));

        Assert.Equal("/user/alice", table.Match("/user/alice/api/kernels?token=x/y"u8)?.Path);
        Assert.Null(table.Match("/user/al?/user/alice/"u8));
        Assert.Null(table.Match(Encoding.ASCII.GetBytes("/user/alice/" + new string('a', 2000))));
    }

    [Fact]
    public void Removing_a_route_uncovers_the_shorter_one_and_prunes_the_trie()
    {
        var table = new RouteTable();
        table.Set(Route("/user"));
        table.Set(Route("/user/alice/srv"));

        Assert.Equal("/user/alice/srv", table.Match("/user/alice/srv/x".AsSpan())?.Path);
        Assert.NotNull(table.Remove("/user/alice/srv/"));
        Assert.Null(table.Remove("/user/alice/srv"));
        Assert.Equal("/user", table.Match("/user/alice/srv/x".AsSpan())?.Path);
        Assert.Equal(1, table.Count);
    }

    [Fact]
    public void Replacing_a_route_keeps_one_entry_and_closes_the_old_pool()
    {
        var table = new RouteTable();
        var first = Route("/user/alice", "http://127.0.0.1:9000");
        table.Set(first);
        table.Set(Route("/user/alice/", "http://127.0.0.1:9002"));

        Assert.Equal(1, table.Count);
        Assert.Equal(9002, table.Match("/user/alice/x".AsSpan())!.Target.Port);
    }

    [Theory]
    [InlineData("http://127.0.0.1:9000", true, "")]
    [InlineData("http://127.0.0.1:9000/", true, "")]
    [InlineData("http://127.0.0.1:9000/prefix/", false, "/prefix")]
    [InlineData("https://127.0.0.1:9000", false, "")]
    public void Only_plain_http_targets_without_a_path_get_the_connection_level_pool(string target, bool pooled, string targetPath)
    {
        using var route = Route("/user/alice", target);
        Assert.Equal(pooled, route.Upstream is not null);
        Assert.Equal(targetPath, route.TargetPath);
    }

    [Fact]
    public void A_lookup_allocates_nothing()
    {
        var table = new RouteTable();
        for (var i = 0; i < 100; i++)
        {
            table.Set(Route($"/user/u{i}"));
        }
        table.Set(Route("/user/alice/srv"));
        var path = "/user/alice/srv/api/contents/x".AsSpan();
        table.Match(path);
        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < 1000; i++)
        {
            table.Match(path);
            table.Match("/user/u42/lab"u8);
        }
        Assert.Equal(before, GC.GetAllocatedBytesForCurrentThread());
    }
}
