using Greyhub.Hub.Login;
using Greyhub.Hub.Servers;

namespace Greyhub.Hub.Tests;

/// <summary>
/// An authenticator's <c>custom_html</c> as the sign-in page shows it: form fields and plain markup, without links
/// (a phishing link on the sign-in page), ids that could collide with the page's (prefixed) or fields posting as the
/// hub's own hidden ones.
/// </summary>
public sealed class LoginFormSanitizerTests
{
    [Fact]
    public void Links_and_the_hubs_hidden_field_names_are_dropped_ids_prefixed_and_the_rest_kept()
    {
        var html = new string("""
            <p>Your <b>one-time code</b>:</p><a href="https://evil.example/login">Sign in here instead</a>
            <label for="username">Code</label><input id="username" name="otp" type="text" aria-describedby="hint login-error"><input type="hidden" name="_xsrf" value="forged">
            <input name="username" value="mallory"><input name=" PASSWORD " type="password"><input name="next" value="https://evil.example/">
            <script>alert(1)</script>
            """.ToCharArray());
        var clean = LoginForms.Sanitize(html);

        Assert.NotNull(clean);
        Assert.Contains("<b>one-time code</b>", clean, StringComparison.Ordinal);
        Assert.Contains("name=\"otp\"", clean, StringComparison.Ordinal);
        Assert.DoesNotContain("<a", clean, StringComparison.Ordinal);
        Assert.DoesNotContain("Sign in here instead", clean, StringComparison.Ordinal);
        Assert.DoesNotContain("evil.example/login", clean, StringComparison.Ordinal);
        Assert.Contains("id=\"custom-username\"", clean, StringComparison.Ordinal);
        Assert.Contains("for=\"custom-username\"", clean, StringComparison.Ordinal);
        Assert.Contains("aria-describedby=\"custom-hint custom-login-error\"", clean, StringComparison.Ordinal);
        Assert.DoesNotContain("id=\"username\"", clean, StringComparison.Ordinal);
        Assert.DoesNotContain("_xsrf", clean, StringComparison.Ordinal);
        // The form's own username and password fields are what the hub checks: they keep their names.
        Assert.Contains("name=\"username\"", clean, StringComparison.Ordinal);
        Assert.Contains("PASSWORD", clean, StringComparison.Ordinal);
        Assert.DoesNotContain("name=\"next\"", clean, StringComparison.Ordinal);
        Assert.DoesNotContain("script", clean, StringComparison.Ordinal);
        // A field named as a hidden one of the hub's stays, without its name.
        Assert.Contains("value=\"https://evil.example/\"", clean, StringComparison.Ordinal);

        // The same handshake's text is sanitised once: the same string comes back.
        Assert.Same(clean, LoginForms.Sanitize(html));
        // The spawn page's options form keeps its ids (its labels point at them).
        Assert.Contains("id=\"username\"", SpawnerOptionsForms.Sanitize(html), StringComparison.Ordinal);
    }

    [Fact]
    public void A_longer_text_than_the_cap_is_not_shown()
    {
        Assert.Null(LoginForms.Sanitize(new string('x', LoginForms.MaxLength + 1)));
        Assert.NotNull(LoginForms.Sanitize(new string('x', LoginForms.MaxLength)));
    }
}
