namespace Afirgen.TaskProcessor.Engine.Messages;

/// <summary>Limits on the messages the processor reads and writes.</summary>
public sealed class MessageOptions
{
    public const string Section = "TaskProcessor:Messages";

    /// <summary>
    /// The largest message body accepted, in bytes. The default is Service Bus Standard's limit (256 KiB);
    /// a larger body is dead-lettered as <c>MessageTooLarge</c>, and the API answers 413.
    /// </summary>
    public int MaxMessageBytes { get; set; } = 256 * 1024;

    /// <summary>The deepest JSON nesting accepted in a body; deeper input is refused as malformed.</summary>
    public int MaxJsonDepth { get; set; } = 64;
}
