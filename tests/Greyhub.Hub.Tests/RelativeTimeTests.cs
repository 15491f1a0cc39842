using Greyhub.Hub.Pages;
using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Web;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace Greyhub.Hub.Tests;

/// <summary>Times as people read them, with the exact time kept in the markup, on a clock the test moves.</summary>
public sealed class RelativeTimeTests
{
    private static readonly DateTimeOffset Now = new(2026, 3, 14, 15, 9, 26, TimeSpan.Zero);

    [Theory]
    [InlineData(-20, "just now")]
    [InlineData(-60, "1 minute ago")]
    [InlineData(-5 * 60 - 10, "5 minutes ago")]
    [InlineData(-3 * 3600, "3 hours ago")]
    [InlineData(-86400, "1 day ago")]
    [InlineData(-45 * 86400, "1 month ago")]
    [InlineData(-800 * 86400, "2 years ago")]
    [InlineData(20, "in less than a minute")]
    [InlineData(7 * 86400, "in 7 days")]
    public void Spans_read_in_their_largest_whole_unit(int seconds, string expected) =>
        Assert.Equal(expected, TimeText.Relative(Now.AddSeconds(seconds), Now));

    [Fact]
    public async Task The_component_shows_the_relative_time_and_keeps_the_exact_one()
    {
        var started = Now.AddMinutes(-5).UtcDateTime;
        var html = await RenderAsync(started, "started");
        Assert.Equal("<time datetime=\"2026-03-14T15:04:26Z\" title=\"2026-03-14 15:04 UTC\">started 5 minutes ago</time>", html.Trim());
        Assert.Equal("never", (await RenderAsync(null, null)).Trim());
    }

    private static async Task<string> RenderAsync(DateTime? at, string? prefix)
    {
        var services = new ServiceCollection().AddSingleton<TimeProvider>(new FakeTimeProvider(Now)).BuildServiceProvider();
        await using var renderer = new HtmlRenderer(services, NullLoggerFactory.Instance);
        return await renderer.Dispatcher.InvokeAsync(async () =>
        {
            var parameters = ParameterView.FromDictionary(new Dictionary<string, object?> { ["At"] = at, ["Prefix"] = prefix });
            var output = await renderer.RenderComponentAsync<RelativeTime>(parameters);
            return output.ToHtmlString();
        });
    }
}
