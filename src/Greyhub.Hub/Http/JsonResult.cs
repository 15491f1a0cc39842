using System.Text.Json;
using Microsoft.AspNetCore.Http;

namespace Greyhub.Hub.Http;

/// <summary>
/// A JSON response written straight to the body with <see cref="Utf8JsonWriter"/>: JupyterHub's models
/// drop whole keys under vertical scope filtering, which a hand-written writer expresses exactly.
/// </summary>
internal sealed class JsonResult(int status, Action<Utf8JsonWriter> write) : IResult
{
    public async Task ExecuteAsync(HttpContext httpContext)
    {
        httpContext.Response.StatusCode = status;
        httpContext.Response.ContentType = "application/json";
        var writer = new Utf8JsonWriter(httpContext.Response.BodyWriter);
        await using (writer.ConfigureAwait(false))
        {
            write(writer);
            await writer.FlushAsync(httpContext.RequestAborted);
        }
    }

    public static JsonResult Ok(Action<Utf8JsonWriter> write) => new(200, write);

    public static JsonResult Created(Action<Utf8JsonWriter> write) => new(201, write);
}
