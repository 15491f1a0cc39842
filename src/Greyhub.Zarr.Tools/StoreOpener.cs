using Greyhub.Zarr.Storage;

namespace Greyhub.Zarr.Tools;

/// <summary>Opens a store from a command-line location.</summary>
internal sealed class StoreOpener : IDisposable
{
    private readonly List<IDisposable> _owned = [];

    public IZarrStore Open(string location, bool writable = false)
    {
        if (location.StartsWith("http://", StringComparison.OrdinalIgnoreCase) || location.StartsWith("https://", StringComparison.OrdinalIgnoreCase))
        {
            if (writable)
            {
                throw new ZarrException($"cannot write to {location}: HTTP stores are read-only");
            }
            var client = new HttpClient();
            _owned.Add(client);
            return new HttpStore(new Uri(location), client);
        }
        if (location.EndsWith(".zip", StringComparison.OrdinalIgnoreCase))
        {
            if (!writable && !File.Exists(location))
            {
                throw new ZarrException($"'{location}' does not exist");
            }
            var zip = new ZipStore(location, writable);
            _owned.Add(zip);
            return zip;
        }
        if (!writable && !Directory.Exists(location))
        {
            throw new ZarrException($"'{location}' does not exist");
        }
        return new FileSystemStore(location, writable);
    }

    public void Dispose()
    {
        foreach (var d in _owned)
        {
            d.Dispose();
        }
    }
}
