using System.CommandLine;
using System.Globalization;
using Greyhub.Data;
using Greyhub.Data.Access.Datasets;
using Greyhub.Hub;

namespace Greyhub.Host;

/// <summary>
/// <c>greyhub data list|info|add|remove</c>: datasets from the command line, on the database directly (safe beside a
/// live hub, which reads the table again within <c>Greyhub:Data:RegistryRefreshInterval</c>). Whoever can run this
/// owns the hub's data folder, so it acts as an admin; the same rules as the REST API apply (allowed roots, names).
/// </summary>
internal static class DataCommand
{
    public static Command Create(Func<ParseResult, string[]> hostArgs)
    {
        var list = new Command("list", "List datasets: name, format, owner, read groups, location");
        list.SetAction((result, ct) => AdminCommands.WithHubAsync(hostArgs(result), existingDatabase: true, async (services, token) =>
        {
            var datasets = await services.GetRequiredService<DatasetService>().ListAsync(token);
            if (datasets.Count == 0)
            {
                await Console.Error.WriteLineAsync("No datasets yet. Register one: greyhub data add NAME --path /absolute/folder");
                return 0;
            }
            var rows = new List<string[]> { new[] { "NAME", "FORMAT", "OWNER", "READ GROUPS", "LOCATION" } };
            rows.AddRange(datasets.Select(d => new[] { d.Name, d.Format, d.Owner ?? "-", d.ReadGroups.Count == 0 ? "-" : string.Join(",", d.ReadGroups), Greyhub.Data.Access.Remote.RemoteLocation.Display(d.Location) }));
            var widths = Enumerable.Range(0, 5).Select(c => rows.Max(r => r[c].Length)).ToArray();
            foreach (var row in rows)
            {
                Console.WriteLine(string.Join("  ", row.Select((cell, c) => c == row.Length - 1 ? cell : cell.PadRight(widths[c]))));
            }
            return 0;
        }, ct));

        var infoName = new Argument<string>("name") { Description = "Dataset name" };
        var info = new Command("info", "Show one dataset") { infoName };
        info.SetAction((result, ct) => AdminCommands.WithHubAsync(hostArgs(result), existingDatabase: true, async (services, token) =>
        {
            var name = result.GetValue(infoName)!;
            if (await services.GetRequiredService<DatasetService>().FindAsync(name, token) is not { } d)
            {
                await Console.Error.WriteLineAsync($"greyhub: no dataset named {name}");
                return 1;
            }
            Print(d);
            return 0;
        }, ct));

        var path = new Option<string>("--path") { Description = "Absolute folder holding the data (under Greyhub:Data:AllowedRoots)", Required = true };
        var format = new Option<string?>("--format") { Description = "zarr-v2, zarr-v3 or files (detected when left out)" };
        var title = new Option<string?>("--title") { Description = "Short title" };
        var description = new Option<string?>("--description") { Description = "Longer description (Markdown)" };
        var owner = new Option<string?>("--owner") { Description = "Owning user (reads it by default)" };
        var readGroups = new Option<string[]>("--read-group") { Description = "A group whose members may read it (repeatable)", AllowMultipleArgumentsPerToken = false };
        var addName = new Argument<string>("name") { Description = "Dataset name: the URL segment under /data/" };
        var add = new Command("add", "Register a dataset") { path, format, title, description, owner, readGroups, addName };
        add.SetAction((result, ct) => AdminCommands.WithHubAsync(hostArgs(result), existingDatabase: false, async (services, token) =>
        {
            var spec = new DatasetSpec(result.GetValue(title), result.GetValue(description), result.GetValue(owner),
                result.GetValue(readGroups) ?? [], [], result.GetValue(path), result.GetValue(format));
            try
            {
                var d = await services.GetRequiredService<DatasetService>().AddAsync(result.GetValue(addName)!, spec, null, token);
                Print(d);
                return 0;
            }
            catch (HubException ex)
            {
                await Console.Error.WriteLineAsync("greyhub: " + ex.Message);
                return 1;
            }
        }, ct));

        var removeName = new Argument<string>("name") { Description = "Dataset to forget (its files stay)" };
        var remove = new Command("remove", "Forget a dataset; its files are not touched") { removeName };
        remove.SetAction((result, ct) => AdminCommands.WithHubAsync(hostArgs(result), existingDatabase: true, async (services, token) =>
        {
            try
            {
                await services.GetRequiredService<DatasetService>().RemoveAsync(result.GetValue(removeName)!, token);
                return 0;
            }
            catch (HubException ex)
            {
                await Console.Error.WriteLineAsync("greyhub: " + ex.Message);
                return 1;
            }
        }, ct));

        return new Command("data", "Manage datasets served at /data/ (works on the database directly: safe while the hub runs)") { list, info, add, remove };
    }

    private static void Print(DatasetRecord d)
    {
        Console.WriteLine($"name:        {d.Name}");
        Console.WriteLine($"title:       {d.Title}");
        Console.WriteLine($"format:      {d.Format}");
        Console.WriteLine($"owner:       {d.Owner ?? "-"}");
        Console.WriteLine($"read groups: {(d.ReadGroups.Count == 0 ? "-" : string.Join(", ", d.ReadGroups))}");
        Console.WriteLine($"location:    {Greyhub.Data.Access.Remote.RemoteLocation.Display(d.Location)}");
        Console.WriteLine($"url path:    {DataPaths.Dataset(d.Name)}");
        Console.WriteLine($"created:     {d.Created.ToString("yyyy-MM-dd HH:mm:ss'Z'", CultureInfo.InvariantCulture)}");
        if (d.Description.Length > 0)
        {
            Console.WriteLine();
            Console.WriteLine(d.Description);
        }
    }
}
