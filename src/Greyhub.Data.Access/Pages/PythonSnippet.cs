using Greyhub.Data.Access.Datasets;

namespace Greyhub.Data.Access.Pages;

/// <summary>
/// The Python a reader copies from the data page. It names where a token comes from, never the token: a page is
/// shown to a browser session, and a token printed in it would end up in screenshots and shared notebooks.
/// </summary>
internal static class PythonSnippet
{
    public static string For(DatasetRecord dataset, string dataUrl, string tokenPage, DatasetDescription content)
    {
        var files = dataset.Format == DatasetFormats.Files;
        var token = $$"""
            # A token with the read:datasets scope, made at {{tokenPage}}
            token = os.environ["GREYHUB_TOKEN"]
            headers = {"Authorization": "token " + token}

            """;
        if (files)
        {
            var first = content.Files.Count > 0 ? content.Files[0].Path : "FILE";
            return $$"""
                import os

                import fsspec
                import xarray as xr

                {{token}}
                # NetCDF and other files are read over HTTP with fsspec.
                with fsspec.open("{{dataUrl}}{{first}}", headers=headers) as f:
                    ds = xr.open_dataset(f)
                """;
        }
        var consolidated = dataset.Format == DatasetFormats.ZarrV2 ? "True" : "False";
        return $$"""
            import os

            import xarray as xr

            {{token}}
            ds = xr.open_zarr(
                "{{dataUrl}}",
                storage_options={"headers": headers},
                consolidated={{consolidated}},
            )
            """;
    }
}
