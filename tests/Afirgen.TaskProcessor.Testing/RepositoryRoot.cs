namespace Afirgen.TaskProcessor.Testing;

/// <summary>The repository's root folder, found from the test assembly's location.</summary>
public static class RepositoryRoot
{
    public static string Path { get; } = Find();

    private static string Find()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(System.IO.Path.Combine(dir.FullName, "Afirgen.TaskProcessor.slnx")))
            {
                return dir.FullName;
            }
        }
        throw new InvalidOperationException($"No Afirgen.TaskProcessor.slnx above {AppContext.BaseDirectory}.");
    }
}
