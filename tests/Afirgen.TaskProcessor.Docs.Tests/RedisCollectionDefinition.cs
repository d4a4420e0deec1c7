using Afirgen.TaskProcessor.Testing;

namespace Afirgen.TaskProcessor.Docs.Tests;

[CollectionDefinition(Name)]
public sealed class RedisCollectionDefinition : ICollectionFixture<RedisFixture>
{
    public const string Name = "Redis";
}
