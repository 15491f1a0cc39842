using System.Text;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Http;

namespace Greyhub.Hub.Http;

/// <summary>Minimal server-rendered pages: every value is HTML-encoded, every form carries the XSRF token.</summary>
internal static class Html
{
    public static string E(string? text) => HtmlEncoder.Default.Encode(text ?? "");

    public static string Xsrf(HttpContext context, IAntiforgery antiforgery)
    {
        var tokens = antiforgery.GetAndStoreTokens(context);
        return $"<input type=\"hidden\" name=\"{E(tokens.FormFieldName)}\" value=\"{E(tokens.RequestToken)}\">";
    }

    /// <summary>The header's sign-out button: a POST with the XSRF token.</summary>
    public static string LogoutForm(HttpContext context, IAntiforgery antiforgery) =>
        $"<form method=\"post\" action=\"/hub/logout\" style=\"margin:0\">{Xsrf(context, antiforgery)}<button id=\"logout\" type=\"submit\">Logout</button></form>";

    public static IResult Page(string title, string body, string? user, int status = 200, string? logoutForm = null)
    {
        var sb = new StringBuilder();
        sb.Append("<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">");
        sb.Append("<title>").Append(E(title)).Append(" - Greyhub</title>");
        sb.Append("<style>")
          .Append("body{font-family:system-ui,sans-serif;margin:0;color:#222;background:#f6f6f4}")
          .Append("header{background:#3b3b3b;color:#fff;padding:.6rem 1.2rem;display:flex;gap:1rem;align-items:center}")
          .Append("header a{color:#fff}header .grow{flex:1}main{max-width:60rem;margin:1.5rem auto;padding:0 1rem}")
          .Append(".card{background:#fff;border:1px solid #ddd;border-radius:6px;padding:1.2rem;margin-bottom:1rem}")
          .Append("label{display:block;margin:.6rem 0 .2rem}input,select{padding:.4rem;font-size:1rem;min-width:16rem}")
          .Append("button{padding:.45rem 1rem;font-size:1rem;cursor:pointer}.error{color:#a00;font-weight:600}.notice{color:#7a4b00}")
          .Append(".secret{font-family:monospace;font-size:1.1rem;background:#eef;padding:.5rem;word-break:break-all}")
          .Append("table{border-collapse:collapse;width:100%}td,th{border-bottom:1px solid #eee;padding:.4rem;text-align:left}")
          .Append("</style></head><body><header><strong>Greyhub</strong>");
        if (user is not null)
        {
            sb.Append("<a href=\"/hub/home\">Home</a><a href=\"/hub/token\">Token</a><span class=\"grow\"></span>")
              .Append("<span id=\"current-user\">").Append(E(user)).Append("</span>")
              .Append(logoutForm ?? "<a href=\"/hub/logout\">Logout</a>");
        }
        sb.Append("</header><main>").Append(body).Append("</main></body></html>");
        return Results.Content(sb.ToString(), "text/html; charset=utf-8", Encoding.UTF8, status);
    }

    /// <summary>See <see cref="Redirects.SafeNext"/>.</summary>
    public static string SafeNext(string? next, string fallback) => Redirects.SafeNext(next, fallback);
}
