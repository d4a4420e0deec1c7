using System.Net;
using Afirgen.TaskProcessor.AfirgenTasks.Records;
using MimeKit;

namespace Afirgen.TaskProcessor.AfirgenTasks.Email;

/// <summary>
/// The confirmation a complainant receives for a FIR, plain text and HTML. It names the FIR and its state,
/// not the complaint itself: mail crosses servers the police do not control.
/// </summary>
public static class FirConfirmationMail
{
    public static MimeMessage Compose(FirRecord fir, MailboxAddress from, MailboxAddress to)
    {
        var registered = fir.CreatedAt.UtcDateTime.ToString("d MMMM yyyy, HH:mm 'UTC'", System.Globalization.CultureInfo.InvariantCulture);
        var finalized = fir.FinalizedAt is { } f
            ? f.UtcDateTime.ToString("d MMMM yyyy, HH:mm 'UTC'", System.Globalization.CultureInfo.InvariantCulture)
            : null;

        var text = $"""
            Your First Information Report has been recorded.

            FIR number: {fir.FirNumber}
            Status:     {fir.Status}
            Registered: {registered}
            {(finalized is null ? "" : $"Finalized:  {finalized}\n")}
            Quote the FIR number in any contact with the police station about this report.

            This message was sent automatically by AFIRGen; replies are not read.
            """;
        var html = $"""
            <!DOCTYPE html>
            <html><body style="font-family: sans-serif">
            <p>Your First Information Report has been recorded.</p>
            <table>
            <tr><th align="left">FIR number</th><td>{WebUtility.HtmlEncode(fir.FirNumber)}</td></tr>
            <tr><th align="left">Status</th><td>{WebUtility.HtmlEncode(fir.Status)}</td></tr>
            <tr><th align="left">Registered</th><td>{registered}</td></tr>
            {(finalized is null ? "" : $"<tr><th align=\"left\">Finalized</th><td>{finalized}</td></tr>")}
            </table>
            <p>Quote the FIR number in any contact with the police station about this report.</p>
            <p style="color: #666">This message was sent automatically by AFIRGen; replies are not read.</p>
            </body></html>
            """;

        var message = new MimeMessage();
        message.From.Add(from);
        message.To.Add(to);
        message.Subject = $"FIR {fir.FirNumber} registered";
        message.Body = new BodyBuilder { TextBody = text, HtmlBody = html }.ToMessageBody();
        return message;
    }
}
