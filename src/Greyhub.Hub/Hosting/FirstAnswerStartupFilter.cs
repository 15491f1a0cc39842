using Greyhub.Hub.Background;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;

namespace Greyhub.Hub.Hosting;

/// <summary>Sets <see cref="FirstAnswer"/> when the first request through the pipeline has been answered.</summary>
internal sealed class FirstAnswerStartupFilter(FirstAnswer first) : IStartupFilter
{
    public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) => app =>
    {
        app.Use(inner => context => first.Done ? inner(context) : AnswerAsync(inner, context));
        next(app);
    };

    private async Task AnswerAsync(RequestDelegate inner, HttpContext context)
    {
        try
        {
            await inner(context);
        }
        finally
        {
            first.Set();
        }
    }
}
