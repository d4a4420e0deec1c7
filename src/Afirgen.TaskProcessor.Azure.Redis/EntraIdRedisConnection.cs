using Azure.Core;
using Microsoft.Extensions.Logging;
using StackExchange.Redis;

namespace Afirgen.TaskProcessor.Azure.Redis;

/// <summary>
/// One Redis connection authenticated with Entra ID: user = the identity's object id, password = its access
/// token. Gets tokens, puts the current one into the <see cref="ConfigurationOptions"/> every reconnect
/// reads, and re-authenticates the live connections with a new one. <see cref="RedisTokenRefresher"/>
/// decides when.
/// </summary>
internal sealed class EntraIdRedisConnection
{
    /// <summary>The scope of Azure Cache for Redis and Azure Managed Redis data access.</summary>
    public const string Scope = "https://redis.azure.com/.default";

    /// <summary>Ask for the next token when this share of the current one's lifetime has passed.</summary>
    public const double RefreshAfterLifetimeShare = 0.75;

    // Start-up must not hang on an unreachable token endpoint; the refresher keeps trying afterwards.
    private static readonly TimeSpan FirstTokenTimeout = TimeSpan.FromSeconds(20);
    private static readonly TimeSpan TokenTimeout = TimeSpan.FromSeconds(30);

    private static readonly TokenRequestContext Request = new([Scope]);

    private readonly ConfigurationOptions _options;
    private readonly TokenCredential _credential;
    private readonly string _credentialName;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly HashSet<string> _resp2Warned = [];
    private volatile RedisToken? _token;
    private IConnectionMultiplexer? _multiplexer;

    /// <param name="options">Parsed from the configuration string; this instance sets its user and password.</param>
    /// <param name="credential">Where tokens come from.</param>
    /// <param name="credentialName">How the logs name the credential (the setting's value).</param>
    /// <param name="time">The clock that decides when a token is renewed.</param>
    /// <param name="logger">Where failures are said.</param>
    public EntraIdRedisConnection(ConfigurationOptions options, TokenCredential credential, string credentialName, TimeProvider time, ILogger<EntraIdRedisConnection> logger)
    {
        _options = options;
        _credential = credential;
        _credentialName = credentialName;
        _time = time;
        _logger = logger;

        // Start even when Redis or Entra ID is unreachable: the engine abandons messages until results can be
        // stored again, so nothing is lost, and the connection recovers on its own.
        _options.AbortOnConnectFail = false;
        // One connection per server for commands and pub/sub, so that one AUTH renews the subscriptions too:
        // StackExchange.Redis (3.4 on) gives pub/sub a dedicated connection unless told to share, and offers no
        // way to send AUTH on that one; sharing needs RESP3 (a subscribed RESP2 connection refuses AUTH). The
        // price: the server applies its pub/sub output-buffer limits (32 MB by default) to the shared
        // connection, far above any reply this app reads (results are small JSON).
        _options.Protocol = RedisProtocol.Resp3;
        _options.SharedSubscriptionConnection = true;
    }

    /// <summary>The token in use, or null while none has been got.</summary>
    public RedisToken? Token => _token;

    /// <summary>The multiplexer, once <see cref="Connect"/> made it.</summary>
    public IConnectionMultiplexer Multiplexer => _multiplexer ?? throw new InvalidOperationException("The Redis connection has not been made yet.");

    /// <summary>
    /// Gets the first token (synchronously, as dependency injection builds the multiplexer; bounded by a
    /// timeout) and connects. Neither an unreachable Redis nor a failing credential stops it: both are
    /// retried, the first by StackExchange.Redis, the second by <see cref="RedisTokenRefresher"/>.
    /// </summary>
    public IConnectionMultiplexer Connect()
    {
        try
        {
            using var timeout = new CancellationTokenSource(FirstTokenTimeout, _time);
            Use(Read(_credential.GetToken(Request, timeout.Token)));
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // Any credential failure (unavailable, refused, timed out, a token without oid) means the same here.
            RedisIdentityLog.FirstTokenFailed(_logger, e, _credentialName);
        }
        _multiplexer = ConnectionMultiplexer.Connect(_options);
        return _multiplexer;
    }

    /// <summary>
    /// Asks the credential for a token and, when it is newer than the current one, makes it the one every
    /// (re)connection uses. False when the credential answered with the current token from its cache.
    /// </summary>
    public async Task<bool> RefreshTokenAsync(CancellationToken cancellationToken)
    {
        using var timeout = new CancellationTokenSource(TokenTimeout, _time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeout.Token);
        var token = Read(await _credential.GetTokenAsync(Request, linked.Token).ConfigureAwait(false));
        if (_token is { } current && token.ExpiresOn <= current.ExpiresOn)
        {
            return false;
        }
        Use(token);
        return true;
    }

    /// <summary>
    /// Sends <c>AUTH &lt;object id&gt; &lt;token&gt;</c> on every connected server, so that connections made
    /// with the previous token are not closed when it expires. Servers that are not connected are skipped:
    /// they authenticate with the current token when they reconnect.
    /// </summary>
    /// <returns>How many connections were re-authenticated.</returns>
    /// <exception cref="RedisReauthenticationException">A connected server did not accept the AUTH.</exception>
    public async Task<int> ReauthenticateAsync(CancellationToken cancellationToken)
    {
        var token = _token ?? throw new InvalidOperationException("There is no token to re-authenticate with.");
        var servers = Multiplexer.GetServers();
        var attempts = new List<(IServer Server, Task Auth)>();
        foreach (var server in servers)
        {
            var endpoint = Describe(server);
            if (!server.IsConnected)
            {
                // An AUTH queued for a disconnected server would only wait in the backlog; the reconnect handshake authenticates anyway.
                RedisIdentityLog.ReauthenticationSkipped(_logger, endpoint);
                continue;
            }
            if (server.Protocol == RedisProtocol.Resp2 && _resp2Warned.Add(endpoint))
            {
                RedisIdentityLog.Resp2Subscriptions(_logger, endpoint);
            }
            attempts.Add((server, server.ExecuteAsync("AUTH", [token.User, token.Password], CommandFlags.None).WaitAsync(cancellationToken)));
        }

        try
        {
            await Task.WhenAll(attempts.Select(a => a.Auth)).ConfigureAwait(false);
        }
        catch (Exception) when (attempts.Any(a => a.Auth.IsFaulted))
        {
            var failed = attempts.First(a => a.Auth.IsFaulted);
            throw new RedisReauthenticationException(Describe(failed.Server), failed.Auth.Exception!.InnerException!);
        }
        RedisIdentityLog.Reauthenticated(_logger, attempts.Count, token.User);
        return attempts.Count;
    }

    private RedisToken Read(AccessToken accessToken)
    {
        var now = _time.GetUtcNow();
        if (accessToken.ExpiresOn <= now)
        {
            throw new InvalidOperationException($"The credential returned an access token that expired at {accessToken.ExpiresOn:O}, before now ({now:O}); check the machine's clock.");
        }
        var refreshAt = now + (accessToken.ExpiresOn - now) * RefreshAfterLifetimeShare;
        // Azure.Identity says when its own cache would renew; take that when it is sooner.
        if (accessToken.RefreshOn is { } refreshOn && refreshOn > now && refreshOn < refreshAt)
        {
            refreshAt = refreshOn;
        }
        return new RedisToken(TokenObjectId.Read(accessToken.Token), accessToken.Token, accessToken.ExpiresOn, refreshAt);
    }

    private void Use(RedisToken token)
    {
        // The multiplexer keeps this very ConfigurationOptions and reads User/Password on every handshake,
        // so reconnects from now on authenticate with the new token.
        _options.User = token.User;
        _options.Password = token.Password;
        _token = token;
        RedisIdentityLog.TokenAcquired(_logger, token.User, token.ExpiresOn, token.RefreshAt);
    }

    private static string Describe(IServer server) => EndPointCollection.ToString(server.EndPoint);
}
