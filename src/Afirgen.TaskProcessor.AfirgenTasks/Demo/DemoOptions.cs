namespace Afirgen.TaskProcessor.AfirgenTasks.Demo;

/// <summary>
/// The local host's demo mode. Section <c>Afirgen:Demo</c>. When enabled, each of MySQL, SMTP and Blob
/// Storage that is not configured is replaced by a clearly logged stand-in: sample FIRs in memory, mail
/// written as .eml files, blobs written as files, under <see cref="OutputDirectory"/>. Off by default, so
/// a deployed host with a missing setting stops at start-up instead of pretending.
/// </summary>
public sealed class DemoOptions
{
    public const string Section = "Afirgen:Demo";

    public bool Enabled { get; set; }

    /// <summary>Where demo mail and blobs go; relative to the current directory.</summary>
    public string OutputDirectory { get; set; } = "afirgen-output";

    /// <summary>The absolute output folder.</summary>
    public string FullOutputDirectory => Path.GetFullPath(OutputDirectory, Environment.CurrentDirectory);
}
