using System.Reflection;
using System.Security.Cryptography;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace ActorPresence.Node.Board;

/// <summary>
/// The live web board: a static page (HTML, CSS, one script) embedded in this assembly and served
/// at <c>/</c> and <c>/board/…</c>, so a published node needs no files beside it and the browser
/// fetches nothing from the internet. The page itself holds no state and needs no token; the API
/// calls it makes carry the token the operator types in (docs/operations.md, Web board).
/// </summary>
public static class BoardEndpoints
{
    /// <summary>Where the board's assets live; <c>/</c> is the page.</summary>
    public const string AssetPrefix = "/board";

    private static readonly IReadOnlyDictionary<string, Asset> Assets = LoadAssets();

    /// <summary>GET paths that serve the board, which the API token does not cover.</summary>
    public static bool IsBoardPath(PathString path) =>
        path == "/" || path.StartsWithSegments(AssetPrefix);

    public static void MapBoard(this WebApplication app)
    {
        app.MapGet("/", (HttpContext http) => Serve(http, "index.html"));
        app.MapGet(AssetPrefix + "/{file}", (HttpContext http, string file) => Serve(http, file));
    }

    private static IResult Serve(HttpContext http, string file)
    {
        if (!Assets.TryGetValue(file, out var asset))
        {
            return Results.NotFound(new Api.Documents.ErrorDoc($"board: no asset named '{file}'"));
        }
        var headers = http.Response.Headers;
        // Revalidate every time (a node upgrade changes the assets), but skip the body when unchanged.
        headers.CacheControl = "no-cache";
        headers.ETag = asset.ETag;
        headers.XContentTypeOptions = "nosniff";
        // Everything comes from this node; ids and messages are rendered as text, never as markup.
        headers.ContentSecurityPolicy = "default-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'none'; frame-ancestors 'none'";
        if (http.Request.Headers.IfNoneMatch == asset.ETag)
        {
            return Results.StatusCode(StatusCodes.Status304NotModified);
        }
        return Results.Bytes(asset.Content, asset.ContentType);
    }

    private static Dictionary<string, Asset> LoadAssets()
    {
        var assembly = typeof(BoardEndpoints).Assembly;
        const string prefix = "board/";
        var assets = new Dictionary<string, Asset>(StringComparer.Ordinal);
        foreach (var name in assembly.GetManifestResourceNames().Where(n => n.StartsWith(prefix, StringComparison.Ordinal)))
        {
            var content = Read(assembly, name);
            var file = name[prefix.Length..];
            var etag = $"\"{Convert.ToHexStringLower(SHA256.HashData(content))[..16]}\"";
            assets[file] = new Asset(content, ContentTypeOf(file), etag);
        }
        return assets;
    }

    private static byte[] Read(Assembly assembly, string name)
    {
        using var stream = assembly.GetManifestResourceStream(name)!;
        using var buffer = new MemoryStream();
        stream.CopyTo(buffer);
        return buffer.ToArray();
    }

    private static string ContentTypeOf(string file) => Path.GetExtension(file) switch
    {
        ".html" => "text/html; charset=utf-8",
        ".css" => "text/css; charset=utf-8",
        ".js" => "text/javascript; charset=utf-8",
        ".svg" => "image/svg+xml",
        _ => "application/octet-stream",
    };

    private sealed record Asset(byte[] Content, string ContentType, string ETag);
}
