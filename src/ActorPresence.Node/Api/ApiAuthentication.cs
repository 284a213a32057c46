using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using ActorPresence.Node.Board;
using Microsoft.AspNetCore.Http;
using static ActorPresence.Node.Api.Documents;

namespace ActorPresence.Node.Api;

/// <summary>
/// Bearer-token authentication of the HTTP API, when a token is configured. Writes and cluster
/// administration always need it; reads (GET, the event stream) need it unless open-reads is on;
/// the health endpoints and the web board's static page never do (the page asks for the token and
/// sends it with its own API calls). A missing or malformed header gets 401, a wrong token 403, each
/// with <c>{"error": ...}</c>. Tokens are compared in constant time (over their SHA-256 hashes, so
/// not even the length leaks).
/// </summary>
public sealed class ApiAuthentication(RequestDelegate next, string token, bool openReads)
{
    private readonly byte[] _expected = SHA256.HashData(Encoding.UTF8.GetBytes(token));

    public async Task InvokeAsync(HttpContext context)
    {
        var path = context.Request.Path;
        var isRead = HttpMethods.IsGet(context.Request.Method) || HttpMethods.IsHead(context.Request.Method);
        if (path.StartsWithSegments("/healthz") || path.StartsWithSegments("/readyz") || (isRead && (openReads || BoardEndpoints.IsBoardPath(path))))
        {
            await next(context);
            return;
        }
        var header = context.Request.Headers.Authorization.ToString();
        if (!header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase) || header.Length <= "Bearer ".Length)
        {
            context.Response.Headers.WWWAuthenticate = "Bearer";
            await RefuseAsync(context, StatusCodes.Status401Unauthorized,
                $"authorization: this node requires a bearer token for {(isRead ? "reads" : "writes and cluster administration")} (Authorization: Bearer <token>)");
            return;
        }
        if (!Matches(header["Bearer ".Length..].Trim()))
        {
            await RefuseAsync(context, StatusCodes.Status403Forbidden, "authorization: the bearer token is not valid for this node");
            return;
        }
        await next(context);
    }

    /// <summary>Constant-time comparison of a presented token with the configured one.</summary>
    public bool Matches(string presented) =>
        CryptographicOperations.FixedTimeEquals(SHA256.HashData(Encoding.UTF8.GetBytes(presented)), _expected);

    private static async Task RefuseAsync(HttpContext context, int status, string error)
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = "application/json";
        await context.Response.WriteAsync(JsonSerializer.Serialize(new ErrorDoc(error), Json));
    }
}
