using Afirgen.TaskProcessor.Testing;

namespace Afirgen.TaskProcessor.AfirgenTasks.Tests;

/// <summary>Tests that share one MariaDB server, each class in its own database (xunit wants the definition in the test assembly).</summary>
[CollectionDefinition(Name)]
public sealed class MariaDbCollectionDefinition : ICollectionFixture<MariaDbFixture>
{
    public const string Name = "MariaDB";
}
