namespace Greyhub.Hub.Tests;

public sealed class SmokeTests
{
    [Fact]
    public void Adds() => Assert.Equal(2, 1 + 1);
}
