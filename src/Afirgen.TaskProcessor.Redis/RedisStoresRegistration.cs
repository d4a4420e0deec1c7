using Afirgen.TaskProcessor.Engine.Hosting;
using Afirgen.TaskProcessor.Engine.Monitoring;
using Afirgen.TaskProcessor.Engine.Results;
using Afirgen.TaskProcessor.Engine.Revocation;
using Afirgen.TaskProcessor.Redis.Monitoring;
using Afirgen.TaskProcessor.Redis.Results;
using Afirgen.TaskProcessor.Redis.Revocation;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace Afirgen.TaskProcessor.Redis;

/// <summary>Registers the engine's stores on Redis: results, the monitoring index and the revocation broadcast.</summary>
public static class RedisStoresRegistration
{
    /// <summary>
    /// Binds <see cref="RedisOptions"/> (<c>TaskProcessor:Redis</c>, checked at start-up) and, when
    /// <c>TaskProcessor:Redis:Configuration</c> is set, keeps results (Celery's format), the monitoring index and
    /// revocations in that Redis. Left empty, the engine keeps them in memory and says so at start-up. A multiplexer
    /// registered beforehand (Entra ID in Azure) is used instead of a connection of its own.
    /// </summary>
    public static IHostApplicationBuilder AddRedisStores(this IHostApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var services = builder.Services;
        services.AddOptions<RedisOptions>().BindConfiguration(RedisOptions.Section).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<RedisOptions>, RedisOptionsValidator>());
        if (string.IsNullOrWhiteSpace(builder.Configuration[RedisOptions.Section + ":Configuration"]))
        {
            return builder;
        }

        services.TryAddSingleton<IConnectionMultiplexer>(sp =>
        {
            var options = ConfigurationOptions.Parse(sp.GetRequiredService<IOptions<RedisOptions>>().Value.Configuration!);
            // Start even when Redis is down: messages are abandoned until it is back, not lost.
            options.AbortOnConnectFail = false;
            return ConnectionMultiplexer.Connect(options);
        });
        // Replace: these win over the engine's in-memory stores, whichever was registered first.
        services.Replace(ServiceDescriptor.Singleton<IResultStore, RedisResultStore>());
        services.TryAddSingleton<RedisRevocationBroadcast>();
        services.Replace(ServiceDescriptor.Singleton<IRevocationBroadcast>(sp => sp.GetRequiredService<RedisRevocationBroadcast>()));
        services.AddHostedService(sp => sp.GetRequiredService<RedisRevocationBroadcast>());
        services.Replace(ServiceDescriptor.Singleton<IMonitoringStore, RedisMonitoringStore>());
        return builder;
    }

    /// <summary>
    /// Keeps results (in Celery's format, so Celery clients read them), the monitoring index and revocations in the
    /// Redis <c>TaskProcessor:Redis:Configuration</c> names; with none configured, in this process's memory (said at
    /// start-up). Uses the Entra ID connection when <c>UseEntraIdRedis()</c> is chosen too.
    /// </summary>
    public static TaskProcessorBuilder UseRedisResults(this TaskProcessorBuilder processor)
    {
        ArgumentNullException.ThrowIfNull(processor);
        return processor.Add(TaskProcessorStage.Stores, p => p.Host.AddRedisStores());
    }
}
