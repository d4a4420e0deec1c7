using System.Buffers.Text;
using System.Text;
using System.Text.Json;
using Azure.Core;
using Azure.Identity;

namespace Afirgen.TaskProcessor.Azure.Redis.Tests;

/// <summary>
/// Stands in for Entra ID, which cannot run here: issues unsigned JWTs with an <c>oid</c> claim and a short
/// lifetime on the test's clock, and tells the test about each one (which makes it a Redis ACL password).
/// Can be told to fail the next calls, as an unreachable or refusing token endpoint does.
/// </summary>
internal sealed class FakeEntraIdCredential(TimeProvider time, string objectId, TimeSpan lifetime, Action<string> issued) : TokenCredential
{
    private readonly Lock _gate = new();
    private readonly List<string> _tokens = [];
    private int _failuresLeft;

    public string ObjectId => objectId;

    /// <summary>Every token issued so far, oldest first.</summary>
    public IReadOnlyList<string> Tokens
    {
        get { lock (_gate) { return [.. _tokens]; } }
    }

    /// <summary>Every scope asked for.</summary>
    public List<string> Scopes { get; } = [];

    /// <summary>Makes the next <paramref name="count"/> calls throw.</summary>
    public void FailNext(int count)
    {
        lock (_gate) { _failuresLeft = count; }
    }

    public override AccessToken GetToken(TokenRequestContext requestContext, CancellationToken cancellationToken) => Issue(requestContext);

    public override ValueTask<AccessToken> GetTokenAsync(TokenRequestContext requestContext, CancellationToken cancellationToken) =>
        ValueTask.FromResult(Issue(requestContext));

    private AccessToken Issue(TokenRequestContext requestContext)
    {
        string token;
        DateTimeOffset expiresOn;
        lock (_gate)
        {
            Scopes.AddRange(requestContext.Scopes);
            if (_failuresLeft > 0)
            {
                _failuresLeft--;
                throw new CredentialUnavailableException("The fake token endpoint is unreachable.");
            }
            var now = time.GetUtcNow();
            expiresOn = now + lifetime;
            token = Jwt(new { aud = "https://redis.azure.com", oid = objectId, iat = now.ToUnixTimeSeconds(), exp = expiresOn.ToUnixTimeSeconds(), uti = _tokens.Count.ToString(System.Globalization.CultureInfo.InvariantCulture) });
            _tokens.Add(token);
        }
        issued(token);
        return new AccessToken(token, expiresOn);
    }

    /// <summary>An unsigned JWT (alg none) with these claims.</summary>
    public static string Jwt(object claims)
    {
        static string Part(object value) => Base64Url.EncodeToString(Encoding.UTF8.GetBytes(JsonSerializer.Serialize(value)));
        return Part(new { alg = "none", typ = "JWT" }) + "." + Part(claims) + ".";
    }
}
