using Greyhub.Hub.Servers;

namespace Greyhub.Hub.Tests;

/// <summary>
/// An authenticator's <c>custom_html</c> as the sign-in page shows it: form fields and plain markup, without links
/// (a phishing link on the sign-in page), ids (colliding with the page's) or fields posting as the hub's own.
/// </summary>
public sealed class LoginFormSanitizerTests
{
    [Fact]
    public void Links_ids_and_the_hubs_own_field_names_are_dropped_and_the_rest_kept()
    {
        var html = new string("""
            <p>Your <b>one-time code</b>:</p><a href="https://evil.example/login">Sign in here instead</a>
            <input id="username" name="otp" type="text"><input type="hidden" name="_xsrf" value="forged">
            <input name="username" value="mallory"><input name=" PASSWORD " type="password"><input name="next" value="https://evil.example/">
            <script>alert(1)</script>
            """.ToCharArray());
        var clean = SpawnerOptionsForms.SanitizeLoginForm(html);

        Assert.NotNull(clean);
        Assert.Contains("<b>one-time code</b>", clean, StringComparison.Ordinal);
        Assert.Contains("name=\"otp\"", clean, StringComparison.Ordinal);
        Assert.DoesNotContain("<a", clean, StringComparison.Ordinal);
        Assert.DoesNotContain("Sign in here instead", clean, StringComparison.Ordinal);
        Assert.DoesNotContain("evil.example/login", clean, StringComparison.Ordinal);
        Assert.DoesNotContain("id=", clean, StringComparison.Ordinal);
        Assert.DoesNotContain("_xsrf", clean, StringComparison.Ordinal);
        Assert.DoesNotContain("name=\"username\"", clean, StringComparison.Ordinal);
        Assert.DoesNotContain("PASSWORD", clean, StringComparison.Ordinal);
        Assert.DoesNotContain("name=\"next\"", clean, StringComparison.Ordinal);
        Assert.DoesNotContain("script", clean, StringComparison.Ordinal);
        // The fields stay (a value the user cannot post as the hub's), only their names go.
        Assert.Contains("value=\"mallory\"", clean, StringComparison.Ordinal);

        // The same handshake's text is sanitised once: the same string comes back.
        Assert.Same(clean, SpawnerOptionsForms.SanitizeLoginForm(html));
        // The spawn page's options form keeps its ids (its labels point at them).
        Assert.Contains("id=\"username\"", SpawnerOptionsForms.Sanitize(html), StringComparison.Ordinal);
    }

    [Fact]
    public void A_longer_text_than_the_cap_is_not_shown()
    {
        Assert.Null(SpawnerOptionsForms.SanitizeLoginForm(new string('x', SpawnerOptionsForms.LoginFormMaxLength + 1)));
        Assert.NotNull(SpawnerOptionsForms.SanitizeLoginForm(new string('x', SpawnerOptionsForms.LoginFormMaxLength)));
    }
}
