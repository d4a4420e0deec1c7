using Afirgen.TaskProcessor.Engine.Registry;
using MimeKit;

namespace Afirgen.TaskProcessor.AfirgenTasks.Email;

/// <summary>Checks the addresses callers pass: a plain <c>local@domain.tld</c>, nothing else.</summary>
public static class EmailAddresses
{
    /// <summary>The address as a mailbox; a non-retried failure naming the parameter (never the value) when it is not a usable address.</summary>
    public static MailboxAddress Parse(string? address, string parameter)
    {
        var text = address?.Trim();
        if (string.IsNullOrEmpty(text))
        {
            throw new PermanentTaskException($"{parameter} is empty: pass the recipient's e-mail address.");
        }
        if (!MailboxAddress.TryParse(ParserOptions.Default, text, out var mailbox)
            || !string.IsNullOrEmpty(mailbox.Name)
            || !string.Equals(mailbox.Address, text, StringComparison.Ordinal)
            || text.Count(c => c == '@') != 1
            || text.Any(char.IsWhiteSpace)
            || !mailbox.Domain.Contains('.')
            || mailbox.LocalPart.Length == 0)
        {
            // The value is personal data, so the message says what is wrong with it without repeating it.
            throw new PermanentTaskException($"{parameter} is not a valid e-mail address: expected the form name@example.org.");
        }
        return mailbox;
    }
}
