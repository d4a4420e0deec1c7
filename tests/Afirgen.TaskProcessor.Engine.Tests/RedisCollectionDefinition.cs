using Afirgen.TaskProcessor.Testing;

namespace Afirgen.TaskProcessor.Engine.Tests;

/// <summary>Tests that share one redis-server (xunit wants the definition in the test assembly).</summary>
[CollectionDefinition(Name)]
public sealed class RedisCollectionDefinition : ICollectionFixture<RedisFixture>
{
    public const string Name = "Redis";
}
