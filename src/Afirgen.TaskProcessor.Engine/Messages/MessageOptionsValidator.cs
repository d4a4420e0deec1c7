using Microsoft.Extensions.Options;

namespace Afirgen.TaskProcessor.Engine.Messages;

/// <summary>Checks the message limits are within what the brokers and the parser can honour.</summary>
internal sealed class MessageOptionsValidator : IValidateOptions<MessageOptions>
{
    private const int MinBytes = 1024;
    private const int MaxBytes = 100 * 1024 * 1024;

    public ValidateOptionsResult Validate(string? name, MessageOptions options)
    {
        var result = new ValidateOptionsResultBuilder();
        if (options.MaxMessageBytes is < MinBytes or > MaxBytes)
        {
            result.AddError($"TaskProcessor:Messages:MaxMessageBytes is {options.MaxMessageBytes}; set it between {MinBytes} and {MaxBytes} bytes (Service Bus Standard takes 262144).");
        }
        if (options.MaxJsonDepth is < 8 or > 256)
        {
            result.AddError($"TaskProcessor:Messages:MaxJsonDepth is {options.MaxJsonDepth}; set it between 8 and 256.");
        }
        return result.Build();
    }
}
