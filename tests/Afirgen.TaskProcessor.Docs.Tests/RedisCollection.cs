using Afirgen.TaskProcessor.Testing;

namespace Afirgen.TaskProcessor.Docs.Tests;

[CollectionDefinition(Name)]
public sealed class RedisCollection : ICollectionFixture<RedisFixture>
{
    public const string Name = "Redis";
}
