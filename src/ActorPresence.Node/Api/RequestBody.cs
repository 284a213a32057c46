using System.Text.Json;
using ActorPresence.Domain;
using Microsoft.AspNetCore.Http;

namespace ActorPresence.Node.Api;

/// <summary>Reads and checks a JSON request body, field by field, so every error names what is wrong.</summary>
public sealed class RequestBody
{
    public const int MaxBytes = 64 * 1024;

    private readonly JsonElement _root;

    private RequestBody(JsonElement root) => _root = root;

    public static async Task<RequestBody> ReadAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        if (request.ContentLength is > MaxBytes)
        {
            throw new ValidationException("body", $"must be at most {MaxBytes} bytes (got {request.ContentLength})");
        }
        using var buffer = new MemoryStream();
        var chunk = new byte[8192];
        int read;
        while ((read = await request.Body.ReadAsync(chunk, cancellationToken)) > 0)
        {
            if (buffer.Length + read > MaxBytes)
            {
                throw new ValidationException("body", $"must be at most {MaxBytes} bytes");
            }
            buffer.Write(chunk, 0, read);
        }
        if (buffer.Length == 0)
        {
            throw new ValidationException("body", "is required (a JSON object)");
        }
        JsonElement root;
        try
        {
            using var doc = JsonDocument.Parse(buffer.ToArray(), new JsonDocumentOptions { MaxDepth = 8 });
            root = doc.RootElement.Clone();
        }
        catch (JsonException e)
        {
            throw new ValidationException("body", $"is not valid JSON ({e.Message})");
        }
        if (root.ValueKind != JsonValueKind.Object)
        {
            throw new ValidationException("body", $"must be a JSON object (got {root.ValueKind})");
        }
        return new RequestBody(root);
    }

    public string RequiredString(string field) =>
        OptionalString(field) ?? throw new ValidationException(field, "is required");

    public string? OptionalString(string field)
    {
        if (!_root.TryGetProperty(field, out var value) || value.ValueKind == JsonValueKind.Null)
        {
            return null;
        }
        return value.ValueKind == JsonValueKind.String
            ? value.GetString()
            : throw new ValidationException(field, $"must be a string (got {value.ValueKind})");
    }

    public int RequiredCount(string field, bool required = true)
    {
        if (!_root.TryGetProperty(field, out var value) || value.ValueKind == JsonValueKind.Null)
        {
            return required ? throw new ValidationException(field, "is required (an integer ≥ 0)") : 0;
        }
        if (value.ValueKind != JsonValueKind.Number || !value.TryGetInt32(out var number))
        {
            throw new ValidationException(field, $"must be an integer ≥ 0 (got {value.GetRawText()})");
        }
        return number;
    }
}
