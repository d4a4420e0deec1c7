using Afirgen.TaskProcessor.Testing;

namespace Afirgen.TaskProcessor.StatusMirror.Tests;

/// <summary>Tests that share one redis-server and one MariaDB server.</summary>
[CollectionDefinition(Name)]
public sealed class MirrorCollectionDefinition : ICollectionFixture<RedisFixture>, ICollectionFixture<MariaDbFixture>
{
    public const string Name = "Redis and MariaDB";
}
