using System.Buffers.Text;
using System.Text.Json;

namespace Afirgen.TaskProcessor.Azure.Redis;

/// <summary>
/// Reads the <c>oid</c> claim (the identity's object id) from an Entra ID access token: Azure Managed Redis
/// wants it as the user name. The token is not validated here; Redis does that when it receives it.
/// </summary>
internal static class TokenObjectId
{
    /// <summary>The object id in <paramref name="token"/>'s payload.</summary>
    /// <exception cref="FormatException">The token is not a JWT, or has no <c>oid</c> claim.</exception>
    public static string Read(string token)
    {
        var parts = token.Split('.');
        if (parts.Length != 3)
        {
            throw new FormatException("The credential returned an access token that is not a JWT (header.payload.signature), so it names no object id to use as the Redis user.");
        }

        byte[] payload;
        try
        {
            payload = Base64Url.DecodeFromChars(parts[1]);
        }
        catch (FormatException e)
        {
            throw new FormatException("The access token's payload is not base64url, so its object id (oid) cannot be read.", e);
        }

        try
        {
            using var claims = JsonDocument.Parse(payload);
            if (claims.RootElement.ValueKind == JsonValueKind.Object
                && claims.RootElement.TryGetProperty("oid", out var oid)
                && oid.ValueKind == JsonValueKind.String
                && !string.IsNullOrWhiteSpace(oid.GetString()))
            {
                return oid.GetString()!;
            }
        }
        catch (JsonException e)
        {
            throw new FormatException("The access token's payload is not JSON, so its object id (oid) cannot be read.", e);
        }
        throw new FormatException("The access token has no oid claim, so there is no object id to use as the Redis user: ask for a token for https://redis.azure.com/.default with a managed identity, service principal or user.");
    }
}
