using System.Text.RegularExpressions;
using Greyhub.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Design;
using Microsoft.EntityFrameworkCore.Design.Internal;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Metadata;
using Microsoft.EntityFrameworkCore.Scaffolding;
using Microsoft.Extensions.DependencyInjection;
using PostgresCompiled = Greyhub.Data.Postgres.CompiledModel.HubDbContextModel;
using SqliteCompiled = Greyhub.Data.Sqlite.CompiledModel.HubDbContextModel;

namespace Greyhub.Hub.Tests;

/// <summary>
/// The hub runs on the compiled EF Core models in <c>src/Greyhub.Data.{Sqlite,Postgres}/CompiledModel</c> (start-up
/// CPU), so a model change that is not regenerated there would be silently ignored at run time. These tests generate
/// the compiled model again from <c>OnModelCreating</c>, with the code generator <c>dotnet ef dbcontext optimize</c> uses
/// and the options it passes, and compare it file by file with what is checked in.
/// </summary>
public sealed partial class CompiledModelTests
{
    public static TheoryData<string> Providers => ["Sqlite", "Postgres"];

    [Theory]
    [MemberData(nameof(Providers))]
    public void The_checked_in_compiled_model_is_what_the_model_generates_now(string provider)
    {
        var folder = Path.Combine(RepoRoot(), "src", $"Greyhub.Data.{provider}", "CompiledModel");
        var generated = Generate(provider);

        var checkedIn = Directory.GetFiles(folder, "*.cs").ToDictionary(f => Path.GetFileName(f), f => Normalize(File.ReadAllText(f)), StringComparer.Ordinal);
        var stale = generated.Where(g => !checkedIn.TryGetValue(g.Key, out var code) || code != g.Value).Select(g => g.Key)
            .Concat(checkedIn.Keys.Where(k => !generated.ContainsKey(k)))
            .Order(StringComparer.Ordinal).ToList();
        var first = stale.FirstOrDefault(generated.ContainsKey) is { } name && checkedIn.TryGetValue(name, out var old)
            ? FirstDifference(name, old, generated[name])
            : "";
        Assert.True(stale.Count == 0,
            $"The compiled model in {folder} is stale ({string.Join(", ", stale)} differ or are missing/extra): regenerate it with "
            + $"`scripts/ef-optimize.sh` (dotnet ef dbcontext optimize for both providers) and commit the result.{first}");
    }

    [Fact]
    public async Task The_hub_queries_through_the_compiled_model_of_its_provider()
    {
        await using var hub = await HubInstance.StartAsync();
        await using var scope = hub.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<HubDbContext>();
        var expected = TestDatabase.IsPostgres ? PostgresCompiled.Instance : SqliteCompiled.Instance;
        Assert.Same(expected, db.Model);
        Assert.True(await db.Users.AnyAsync(Api.Ct));
    }

    /// <summary>File name → code, as <c>dotnet ef dbcontext optimize --output-dir CompiledModel --namespace ...</c> writes them.</summary>
    private static Dictionary<string, string> Generate(string provider)
    {
        IDesignTimeDbContextFactory<HubDbContext> factory = provider == "Sqlite"
            ? new Greyhub.Data.Sqlite.DesignTimeFactory()
            : new Greyhub.Data.Postgres.DesignTimeFactory();
        using var context = factory.CreateDbContext([]);
        var assembly = factory.GetType().Assembly;
#pragma warning disable EF1001 // The design-time service builder `dotnet ef` itself uses: it adds the provider's design-time services.
        var services = new DesignTimeServicesBuilder(assembly, assembly, new OperationReporter(handler: null), []).Build(context);
#pragma warning restore EF1001
        var options = new CompiledModelCodeGenerationOptions
        {
            ContextType = typeof(HubDbContext),
            ModelNamespace = $"Greyhub.Data.{provider}.CompiledModel",
            Language = "C#",
            UseNullableReferenceTypes = true,
        };
        var model = context.GetService<IDesignTimeModel>().Model;
        var generator = services.GetRequiredService<ICompiledModelCodeGeneratorSelector>().Select(options);
        return generator.GenerateModel(model, options).ToDictionary(f => Path.GetFileName(f.Path), f => Normalize(f.Code), StringComparer.Ordinal);
    }

    private static string FirstDifference(string name, string checkedIn, string generated)
    {
        var a = checkedIn.Split('\n');
        var b = generated.Split('\n');
        var line = Enumerable.Range(0, Math.Min(a.Length, b.Length)).FirstOrDefault(i => a[i] != b[i], Math.Min(a.Length, b.Length));
        return $"\n{name}, line {line + 1}:\n  checked in: {a.ElementAtOrDefault(line)}\n  generated:  {b.ElementAtOrDefault(line)}";
    }

    // Each generation draws a new model id (a GUID that only tells model instances apart): it is not part of the model.
    private static string Normalize(string code) =>
        ModelId().Replace(code.TrimStart('\uFEFF').ReplaceLineEndings("\n"), "modelId: new Guid(\"\")");

    [GeneratedRegex("modelId: new Guid\\(\"[0-9a-f-]+\"\\)")]
    private static partial Regex ModelId();

    private static string RepoRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Greyhub.slnx")))
            {
                return dir.FullName;
            }
        }
        throw new InvalidOperationException("Greyhub.slnx not found above " + AppContext.BaseDirectory);
    }
}
