using Afirgen.TaskProcessor.Redis;
using Afirgen.TaskProcessor.Engine.Results;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace Afirgen.TaskProcessor.Azure.Redis.Tests;

/// <summary>Settings: a wrong one stops the start with a sentence naming it; no Credential changes nothing.</summary>
public sealed class SettingsTests
{
    private const string Amr = "afirgen.swedencentral.redis.azure.net:10000,ssl=True,abortConnect=False";

    public static TheoryData<string?, string?, string?, string> WrongSettings => new()
    {
        { "msi", null, Amr, "TaskProcessor:Redis:Credential is 'msi', which is not a credential this app knows: use managedidentity" },
        { "managedidentity", "afirgen-identity", Amr, "TaskProcessor:Redis:ClientId is 'afirgen-identity', which is not a client id" },
        { "managedidentity", null, null, "TaskProcessor:Redis:Configuration is empty" },
        { "managedidentity", null, Amr + ",password=secret", "TaskProcessor:Redis:Configuration carries a user or password" },
        { "managedidentity", null, Amr + ",protocol=resp2", "TaskProcessor:Redis:Configuration asks for protocol=resp2" },
        // (StackExchange.Redis turns TLS on by itself for *.redis.azure.net; not for another name.)
        { "defaultazurecredential", null, "redis.afirgen.internal:6379", "connects to redis.afirgen.internal:6379 without TLS" },
        { null, "0f8fad5b-d9cb-469f-a165-70867728950e", null, "TaskProcessor:Redis:ClientId is set but TaskProcessor:Redis:Credential is empty" },
    };

    [Theory]
    [MemberData(nameof(WrongSettings))]
    public async Task Start_Fails_WithASentenceNamingTheSetting(string? credential, string? clientId, string? configuration, string expected)
    {
        await using var app = EntraIdRedisApp.Build(Settings(credential, clientId, configuration), credential: null);

        var error = await Assert.ThrowsAsync<OptionsValidationException>(app.StartAsync);

        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("managedidentity", "0f8fad5b-d9cb-469f-a165-70867728950e", Amr)]
    [InlineData("ManagedIdentity", null, Amr)]
    [InlineData("defaultazurecredential", null, Amr)]
    [InlineData("defaultazurecredential", null, "localhost:6379")]
    public void Validate_Accepts_TheDocumentedSettings(string credential, string? clientId, string configuration)
    {
        var validator = new RedisIdentityOptionsValidator(Options.Create(new RedisOptions { Configuration = configuration }), credentialGiven: false);

        var result = validator.Validate(null, new RedisIdentityOptions { Credential = credential, ClientId = clientId });

        Assert.True(result.Succeeded, result.FailureMessage);
    }

    [Fact]
    public async Task WithoutCredential_RegistersNothing_SoTheEngineConnectsAsBefore()
    {
        await using var app = EntraIdRedisApp.Build(Settings(null, null, "localhost:6379"), credential: null);

        Assert.Null(app.Services.GetService<EntraIdRedisConnection>());
        Assert.DoesNotContain(app.Services.GetServices<IHostedService>(), s => s is RedisTokenRefresher);
    }

    private static Dictionary<string, string?> Settings(string? credential, string? clientId, string? configuration) => new()
    {
        ["TaskProcessor:Redis:Credential"] = credential,
        ["TaskProcessor:Redis:ClientId"] = clientId,
        ["TaskProcessor:Redis:Configuration"] = configuration,
    };
}
