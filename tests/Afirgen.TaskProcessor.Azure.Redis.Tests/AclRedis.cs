using System.Globalization;
using Afirgen.TaskProcessor.Testing;
using StackExchange.Redis;

namespace Afirgen.TaskProcessor.Azure.Redis.Tests;

/// <summary>
/// A real redis-server that, like Azure Managed Redis, lets in only users it knows: the <c>default</c> user
/// needs a password only the test's admin connection has, and an identity is an ACL user named by its
/// object id whose passwords are the tokens issued to it. Also reads what the server sees: who is connected
/// over which protocol, and how many AUTH commands it has run.
/// </summary>
internal sealed class AclRedis : IAsyncDisposable
{
    private const string AdminPassword = "admin-only";

    private AclRedis(RedisServer server, ConnectionMultiplexer admin)
    {
        Server = server;
        Admin = admin;
    }

    public RedisServer Server { get; }

    /// <summary>The <c>default</c> user, for the test's own reads and writes.</summary>
    public ConnectionMultiplexer Admin { get; }

    /// <summary>The configuration string the app gets: no user, no password.</summary>
    public string Configuration => Server.Configuration;

    private IServer Node => Admin.GetServer("127.0.0.1", Server.Port);

    public static async Task<AclRedis> StartAsync()
    {
        var server = await RedisServer.StartAsync();
        // The default user has no password yet, so this one is accepted; it is kept for reconnects.
        var admin = await ConnectionMultiplexer.ConnectAsync($"{server.Configuration},password={AdminPassword},allowAdmin=true");
        await admin.GetServer("127.0.0.1", server.Port).ExecuteAsync("ACL", "SETUSER", "default", "resetpass", ">" + AdminPassword);
        return new AclRedis(server, admin);
    }

    /// <summary>Accepts <paramref name="token"/> as a password of user <paramref name="objectId"/> (what Entra ID's signature does in Azure).</summary>
    public void Allow(string objectId, string token) =>
        Node.Execute("ACL", "SETUSER", objectId, "on", ">" + token, "~*", "&*", "+@all");

    /// <summary>Stops accepting <paramref name="token"/> (as if it had expired).</summary>
    public Task RevokeAsync(string objectId, string token) =>
        Node.ExecuteAsync("ACL", "SETUSER", objectId, "<" + token);

    /// <summary>Closes every connection of <paramref name="objectId"/>, as the server does when a token expires.</summary>
    public Task KillConnectionsAsync(string objectId) =>
        Node.ExecuteAsync("CLIENT", "KILL", "USER", objectId);

    /// <summary>The connections authenticated as <paramref name="objectId"/>.</summary>
    public async Task<IReadOnlyList<ClientLine>> ClientsAsync(string objectId)
    {
        var list = (string)(await Node.ExecuteAsync("CLIENT", "LIST"))!;
        return [.. list.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(ClientLine.Parse)
            .Where(c => c.User == objectId)];
    }

    /// <summary>How many AUTH commands the server has run (from <c>INFO commandstats</c>).</summary>
    public async Task<long> AuthCallsAsync()
    {
        var info = (string)(await Node.ExecuteAsync("INFO", "commandstats"))!;
        var line = info.Split('\n').Select(l => l.Trim()).FirstOrDefault(l => l.StartsWith("cmdstat_auth:", StringComparison.Ordinal));
        if (line is null)
        {
            return 0;
        }
        var calls = line["cmdstat_auth:".Length..].Split(',').Single(f => f.StartsWith("calls=", StringComparison.Ordinal));
        return long.Parse(calls["calls=".Length..], CultureInfo.InvariantCulture);
    }

    public async ValueTask DisposeAsync()
    {
        await Admin.DisposeAsync();
        await Server.DisposeAsync();
    }

    /// <summary>One line of <c>CLIENT LIST</c>.</summary>
    internal sealed record ClientLine(long Id, string User, int Resp, int Subscriptions)
    {
        public static ClientLine Parse(string line)
        {
            // Over RESP3 the list is a verbatim string: "txt:" comes before the first field.
            line = line.StartsWith("txt:", StringComparison.Ordinal) ? line[4..] : line;
            var fields = line.Split(' ').Select(f => f.Split('=', 2)).Where(f => f.Length == 2).ToDictionary(f => f[0], f => f[1]);
            return new ClientLine(
                long.Parse(fields["id"], CultureInfo.InvariantCulture),
                fields["user"],
                int.Parse(fields["resp"], CultureInfo.InvariantCulture),
                int.Parse(fields["sub"], CultureInfo.InvariantCulture));
        }
    }
}
