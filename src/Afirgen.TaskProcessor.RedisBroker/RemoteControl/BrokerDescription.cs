using System.Globalization;
using System.Text.Json.Nodes;
using Afirgen.TaskProcessor.Redis;
using Afirgen.TaskProcessor.RedisBroker.Connection;
using Microsoft.Extensions.Options;

namespace Afirgen.TaskProcessor.RedisBroker.RemoteControl;

/// <summary>What this worker connects to, as Celery's <c>stats</c> and <c>conf</c> describe it: the broker and the result backend.</summary>
internal sealed class BrokerDescription(Transport.RedisBroker broker, IOptions<RedisOptions> redis)
{
    public string BrokerUrl => broker.Url.ToString();

    /// <summary>Kombu's <c>Connection.info()</c> of the broker, as <c>stats</c> shows it.</summary>
    public JsonObject ConnectionInfo()
    {
        var url = broker.Url;
        return new JsonObject
        {
            ["hostname"] = url.Host,
            ["userid"] = url.User,
            ["virtual_host"] = url.Database.ToString(CultureInfo.InvariantCulture),
            ["port"] = url.Port,
            ["insist"] = false,
            ["ssl"] = url.Tls,
            ["transport"] = "redis",
            ["connect_timeout"] = 5,
            ["transport_options"] = TransportOptions(),
            ["login_method"] = null,
            ["uri_prefix"] = null,
            ["heartbeat"] = 0,
            ["failover_strategy"] = "round-robin",
            ["alternates"] = new JsonArray(),
        };
    }

    /// <summary>Celery's <c>broker_transport_options</c>.</summary>
    public JsonObject TransportOptions()
    {
        var options = broker.Options;
        var transport = new JsonObject { ["visibility_timeout"] = options.CeleryVisibilityTimeout.TotalSeconds };
        if (options.GlobalKeyPrefix.Length > 0)
        {
            transport["global_keyprefix"] = options.GlobalKeyPrefix;
        }
        return transport;
    }

    /// <summary>Celery's <c>result_backend</c>: the Redis URL of the result store, or where results live without one.</summary>
    public string ResultBackend()
    {
        var options = redis.Value;
        if (string.IsNullOrWhiteSpace(options.Configuration))
        {
            return "memory (this process)";
        }
        try
        {
            return RedisBrokerUrl.FromConfiguration(options.Configuration, options.ResolvedDatabase).ToString();
        }
        catch (FormatException)
        {
            return "redis";
        }
    }
}
