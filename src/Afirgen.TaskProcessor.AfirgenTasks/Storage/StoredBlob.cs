namespace Afirgen.TaskProcessor.AfirgenTasks.Storage;

/// <summary>A blob as a listing shows it.</summary>
public sealed record StoredBlob(string Container, string Name, DateTimeOffset LastModified, long Length)
{
    /// <summary><c>container/name</c>: the <c>file_path</c> the report tasks return.</summary>
    public string Path => $"{Container}/{Name}";
}
