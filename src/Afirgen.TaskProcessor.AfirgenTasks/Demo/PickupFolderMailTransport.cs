using Afirgen.TaskProcessor.AfirgenTasks.Email;
using MimeKit;

namespace Afirgen.TaskProcessor.AfirgenTasks.Demo;

/// <summary>
/// The local demo's stand-in for SMTP: each message is written as <c>&lt;output&gt;/mail/&lt;message-id&gt;.eml</c>
/// (a pickup folder, as IIS and many MTAs know it), openable in any mail client.
/// </summary>
public sealed class PickupFolderMailTransport(string folder) : IMailTransport
{
    public async Task SendAsync(MimeMessage message, CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(folder);
        var name = string.Concat((message.MessageId ?? Guid.NewGuid().ToString()).Select(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '.' ? c : '_'));
        await message.WriteToAsync(Path.Combine(folder, name + ".eml"), cancellationToken).ConfigureAwait(false);
    }
}
