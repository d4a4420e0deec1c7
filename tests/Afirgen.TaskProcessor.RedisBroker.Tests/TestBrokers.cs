using RedisTransport = Afirgen.TaskProcessor.RedisBroker.Transport.RedisBroker;
using Afirgen.TaskProcessor.Engine.Broker;
using Afirgen.TaskProcessor.RedisBroker.Connection;
using Afirgen.TaskProcessor.Testing;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Afirgen.TaskProcessor.RedisBroker.Tests;

/// <summary>Redis transports for tests: each under a fresh kombu global key prefix unless told one.</summary>
internal static class TestBrokers
{
    public static string FreshPrefix() => "t" + Guid.NewGuid().ToString("N")[..8] + ":";

    public static RedisTransport Create(RedisServer server, string prefix, int database = 1, Action<RedisBrokerOptions>? configure = null,
        BrokerQueueOptions? queue = null)
    {
        var options = new RedisBrokerOptions
        {
            Url = server.Url(database),
            GlobalKeyPrefix = prefix,
            RestoreInterval = TimeSpan.FromMilliseconds(200),
        };
        configure?.Invoke(options);
        return new RedisTransport(Options.Create(options), Options.Create(queue ?? new BrokerQueueOptions()), TimeProvider.System,
            NullLogger<RedisTransport>.Instance);
    }

    /// <summary>A kombu envelope as Celery's producer writes it (protocol 2, JSON, base64 body) for a no-argument diagnostics.echo.</summary>
    public static string CeleryEnvelope(string taskId, string queue, string deliveryTag)
    {
        var body = Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes("""[[], {}, {"callbacks": null, "errbacks": null, "chain": null, "chord": null}]"""));
        return $$$"""
            {"body": "{{{body}}}", "content-encoding": "utf-8", "content-type": "application/json",
             "headers": {"lang": "py", "task": "diagnostics.echo", "id": "{{{taskId}}}", "retries": 0, "root_id": "{{{taskId}}}", "parent_id": null,
                         "eta": null, "expires": null, "timelimit": [null, null]},
             "properties": {"correlation_id": "{{{taskId}}}", "delivery_mode": 2, "delivery_info": {"exchange": "", "routing_key": "{{{queue}}}"},
                            "priority": 0, "body_encoding": "base64", "delivery_tag": "{{{deliveryTag}}}"}}
            """.ReplaceLineEndings(" ");
    }
}
