using Afirgen.TaskProcessor.Engine.Hosting;
using Afirgen.TaskProcessor.Redis;
using Afirgen.TaskProcessor.Engine.Results;
using Azure.Core;
using Azure.Identity;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace Afirgen.TaskProcessor.Azure.Redis;

/// <summary>Registers a Redis connection that authenticates with Entra ID (Azure Managed Redis).</summary>
public static class EntraIdRedisRegistration
{
    /// <summary>
    /// When <c>TaskProcessor:Redis:Credential</c> is set (<c>managedidentity</c> with
    /// <c>TaskProcessor:Redis:ClientId</c>, or <c>defaultazurecredential</c>), registers the
    /// <see cref="IConnectionMultiplexer"/> the engine then uses instead of its own: it connects to
    /// <c>TaskProcessor:Redis:Configuration</c> as the identity's object id with an access token for
    /// <c>https://redis.azure.com/.default</c> as password, renews the token at three quarters of its
    /// lifetime and re-authenticates the live connections (subscriptions included) with it. Starts even when
    /// Redis or Entra ID is unreachable, and keeps trying. Settings are checked at start-up. When Credential is
    /// empty, registers nothing (a local Redis: the stores connect by themselves).
    /// </summary>
    internal static IHostApplicationBuilder AddEntraIdRedis(this IHostApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        return Add(builder, credential: null);
    }

    /// <summary>
    /// As <see cref="AddEntraIdRedis(IHostApplicationBuilder)"/>, with a credential of the host's own (a
    /// workload identity, a client certificate, …) instead of the one <c>TaskProcessor:Redis:Credential</c>
    /// names; <c>TaskProcessor:Redis:Configuration</c> must be set.
    /// </summary>
    internal static IHostApplicationBuilder AddEntraIdRedis(this IHostApplicationBuilder builder, TokenCredential credential)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(credential);
        return Add(builder, credential);
    }

    private static IHostApplicationBuilder Add(IHostApplicationBuilder builder, TokenCredential? credential)
    {
        var services = builder.Services;
        services.AddOptions<RedisIdentityOptions>().BindConfiguration(RedisIdentityOptions.Section).ValidateOnStart();
        // The Redis stores bind these too; bound here as well so that this works with or without them.
        services.AddOptions<RedisOptions>().BindConfiguration(RedisOptions.Section);
        services.AddSingleton<IValidateOptions<RedisIdentityOptions>>(sp =>
            new RedisIdentityOptionsValidator(sp.GetRequiredService<IOptions<RedisOptions>>(), credentialGiven: credential is not null));

        var settings = builder.Configuration.GetSection(RedisIdentityOptions.Section).Get<RedisIdentityOptions>() ?? new RedisIdentityOptions();
        if (credential is null && !settings.IsEnabled)
        {
            return builder;
        }

        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton(sp =>
        {
            // Reading the options runs the validator: a wrong setting fails here with its sentence.
            var identity = sp.GetRequiredService<IOptions<RedisIdentityOptions>>().Value;
            var redis = sp.GetRequiredService<IOptions<RedisOptions>>().Value;
            return new EntraIdRedisConnection(
                ConfigurationOptions.Parse(redis.Configuration!),
                credential ?? CreateCredential(identity),
                credential?.GetType().Name ?? identity.Credential!.Trim(),
                sp.GetRequiredService<TimeProvider>(),
                sp.GetRequiredService<ILogger<EntraIdRedisConnection>>());
        });
        // Not TryAdd: this connection must be the one the stores (which only TryAdd their own) and everyone else get.
        services.AddSingleton<IConnectionMultiplexer>(sp => sp.GetRequiredService<EntraIdRedisConnection>().Connect());
        services.AddHostedService<RedisTokenRefresher>();
        return builder;
    }

    private static TokenCredential CreateCredential(RedisIdentityOptions options)
    {
        var clientId = string.IsNullOrWhiteSpace(options.ClientId) ? null : options.ClientId.Trim();
        return options.Credential!.Trim().ToLowerInvariant() switch
        {
            RedisIdentityOptions.ManagedIdentity => new ManagedIdentityCredential(
                clientId is null ? ManagedIdentityId.SystemAssigned : ManagedIdentityId.FromUserAssignedClientId(clientId)),
            RedisIdentityOptions.DefaultAzureCredential => new DefaultAzureCredential(
                new DefaultAzureCredentialOptions { ManagedIdentityClientId = clientId }),
            // The validator has already refused anything else.
            var other => throw new InvalidOperationException($"{RedisIdentityOptions.Section}:Credential '{other}' is not a known credential."),
        };
    }

    /// <summary>
    /// Connects to Azure Managed Redis as the app's identity (<see cref="AddEntraIdRedis(IHostApplicationBuilder)"/>):
    /// the connection the Redis stores and everything else then use.
    /// </summary>
    public static TaskProcessorBuilder UseEntraIdRedis(this TaskProcessorBuilder processor)
    {
        ArgumentNullException.ThrowIfNull(processor);
        return processor.Add(TaskProcessorStage.Connections, p => p.Host.AddEntraIdRedis());
    }
}
