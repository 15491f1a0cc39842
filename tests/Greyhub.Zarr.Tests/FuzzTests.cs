using System.Text;
using System.Text.Json.Nodes;
using Greyhub.Zarr.Storage;

namespace Greyhub.Zarr.Tests;

/// <summary>Seeded random corruption of metadata and chunks: only this library's exceptions may come out, and nothing hangs.</summary>
public sealed class FuzzTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static readonly JsonNode?[] Junk = [null, 0, -1, 1e300, "x", "NaN", true, new JsonArray(), new JsonObject(), new JsonArray(1, 2, 3), int.MaxValue, new JsonArray(-5, 0), "0xzz"];

    private static async Task<InMemoryStore> SampleAsync(int format, string codec, bool shard)
    {
        var store = new InMemoryStore();
        var array = await ZarrArray.CreateAsync(store, "a", new ZarrArrayDefinition
        {
            ZarrFormat = format,
            Shape = [10, 10],
            ChunkShape = shard ? [2, 5] : [5, 5],
            ShardShape = shard ? [4, 10] : null,
            DataType = ZarrDataType.FromV3("float32"),
            FortranOrder = !shard && format == 2,
            Filters = format == 2 ? [new JsonObject { ["name"] = "numcodecs.shuffle", ["configuration"] = new JsonObject { ["elementsize"] = 4 } }] : [],
            Compressor = codec == "none" ? null : new JsonObject { ["name"] = codec },
        }, cancellationToken: Ct);
        await array.WriteAsync<float>(null, Fixtures.ArrayA, Ct);
        return store;
    }

    private static async Task ExpectOnlyZarrErrors(Func<Task> action)
    {
        try
        {
            await action().WaitAsync(TimeSpan.FromSeconds(20), Ct);
        }
        catch (ZarrException)
        {
        }
    }

    [Theory]
    [InlineData(2, "zlib", false)]
    [InlineData(3, "gzip", false)]
    [InlineData(3, "crc32c", true)]
    public async Task Corrupt_metadata_gives_typed_errors(int format, string codec, bool shard)
    {
        var rng = new Random(format * 100 + codec.Length);
        var key = format == 2 ? "a/.zarray" : "a/zarr.json";
        for (var round = 0; round < 150; round++)
        {
            var store = await SampleAsync(format, codec, shard);
            var text = Encoding.UTF8.GetString(store[key]!);
            var mutated = round % 3 == 0 ? MutateBytes(text, rng) : MutateJson(JsonNode.Parse(text)!, rng).ToJsonString();
            await store.SetAsync(key, Encoding.UTF8.GetBytes(mutated), Ct);
            await ExpectOnlyZarrErrors(async () =>
            {
                var array = await ZarrArray.OpenAsync(store, "a", cancellationToken: Ct);
                var chunkBytes = array.ChunkShape.Aggregate(1L, (x, y) => x * y) * Math.Max(1, array.DataType.Size);
                if (chunkBytes < 1 << 24 && array.Shape.All(s => s > 0) && array.DataType.Kind != ZarrTypeKind.String)
                {
                    var buffer = new byte[array.DataType.Size];
                    await array.ReadBytesAsync([.. array.Shape.Select(_ => ZarrSlice.At(0))], buffer, Ct);
                }
            });
        }
    }

    [Theory]
    [InlineData(2, "zlib", false)]
    [InlineData(2, "none", false)]
    [InlineData(3, "gzip", false)]
    [InlineData(3, "gzip", true)]
    [InlineData(3, "crc32c", true)]
    public async Task Corrupt_or_truncated_chunks_give_chunk_errors(int format, string codec, bool shard)
    {
        var rng = new Random(format * 1000 + codec.Length + (shard ? 7 : 0));
        var store = await SampleAsync(format, codec, shard);
        var chunkKeys = store.Keys.Where(k => !k.Contains(".z", StringComparison.Ordinal) && !k.EndsWith("zarr.json", StringComparison.Ordinal)).ToArray();
        var seenChunkError = false;
        for (var round = 0; round < 200; round++)
        {
            var key = chunkKeys[rng.Next(chunkKeys.Length)];
            var original = store[key]!;
            var bytes = (byte[])original.Clone();
            switch (round % 3)
            {
                case 0: bytes = bytes[..rng.Next(bytes.Length)]; break;
                case 1:
                    for (var i = 0; i < 1 + rng.Next(4); i++)
                    {
                        bytes[rng.Next(bytes.Length)] ^= (byte)(1 + rng.Next(255));
                    }
                    break;
                default: bytes = [.. bytes, .. Enumerable.Range(0, 1 + rng.Next(20)).Select(_ => (byte)rng.Next(256))]; break;
            }
            await store.SetAsync(key, bytes, Ct);
            try
            {
                var array = await ZarrArray.OpenAsync(store, "a", cancellationToken: Ct);
                await array.ReadAsync<float>(cancellationToken: Ct).WaitAsync(TimeSpan.FromSeconds(20), Ct);
            }
            catch (ZarrChunkException e)
            {
                Assert.Equal(key, e.ChunkKey);
                Assert.Contains(key, e.Message, StringComparison.Ordinal);
                seenChunkError = true;
            }
            await store.SetAsync(key, original, Ct);
        }
        Assert.True(seenChunkError);
    }

    private static string MutateBytes(string text, Random rng)
    {
        var b = Encoding.UTF8.GetBytes(text);
        return rng.Next(3) switch
        {
            0 => text[..rng.Next(text.Length)],
            1 => Encoding.UTF8.GetString(b.Select(x => rng.Next(40) == 0 ? (byte)rng.Next(32, 127) : x).ToArray()),
            _ => text.Replace('[', '{'),
        };
    }

    private static JsonNode MutateJson(JsonNode root, Random rng)
    {
        var containers = new List<JsonNode>();
        void Walk(JsonNode? n)
        {
            if (n is JsonObject o)
            {
                containers.Add(o);
                foreach (var p in o.ToList())
                {
                    Walk(p.Value);
                }
            }
            else if (n is JsonArray a)
            {
                containers.Add(a);
                foreach (var x in a)
                {
                    Walk(x);
                }
            }
        }
        Walk(root);
        var target = containers[rng.Next(containers.Count)];
        var junk = Junk[rng.Next(Junk.Length)]?.DeepClone();
        if (target is JsonObject obj && obj.Count > 0)
        {
            var key = obj.ElementAt(rng.Next(obj.Count)).Key;
            if (rng.Next(4) == 0)
            {
                obj.Remove(key);
            }
            else
            {
                obj[key] = junk;
            }
        }
        else if (target is JsonArray arr && arr.Count > 0)
        {
            arr[rng.Next(arr.Count)] = junk;
        }
        return root;
    }
}
