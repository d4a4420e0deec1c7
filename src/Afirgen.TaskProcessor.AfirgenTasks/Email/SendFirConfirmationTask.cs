using System.Text.Json.Nodes;
using Afirgen.TaskProcessor.AfirgenTasks.Privacy;
using Afirgen.TaskProcessor.AfirgenTasks.Records;
using Afirgen.TaskProcessor.Engine.Registry;

namespace Afirgen.TaskProcessor.AfirgenTasks.Email;

/// <summary>
/// <c>send_fir_confirmation(fir_id, recipient_email)</c>, and the seed's <c>send_confirmation(fir_id)</c>
/// whose recipient comes from the FIR's own data. Result: <c>fir_id</c>, <c>recipient</c> (masked).
/// </summary>
public sealed class SendFirConfirmationTask(IFirStore firs, MailDelivery delivery) : ITaskHandler
{
    public async ValueTask<JsonNode?> RunAsync(TaskContext context)
    {
        var fir = await FirLookup.RequireAsync(firs, context.Get<string>("fir_id"), context.CancellationToken).ConfigureAwait(false);

        var given = context.Arguments.ContainsKey("recipient_email") ? context.Get<string>("recipient_email") : null;
        string recipient;
        if (given is not null)
        {
            recipient = given;
        }
        else
        {
            recipient = ComplainantEmail.Find(fir)
                ?? throw new PermanentTaskException($"FIR '{fir.FirNumber}' holds no complainant e-mail address in its fir_content; call {AfirgenTaskNames.SendFirConfirmation} with recipient_email instead.");
        }
        var to = EmailAddresses.Parse(recipient, "recipient_email");

        var sent = await delivery.SendOnceAsync(context, FirConfirmationMail.Compose(fir, delivery.From, to), to.Address).ConfigureAwait(false);
        return TaskResult.Success(
            sent ? $"Confirmation email sent for FIR {fir.FirNumber}" : $"Confirmation email for FIR {fir.FirNumber} was already sent",
            new JsonObject { ["fir_id"] = fir.FirNumber, ["recipient"] = EmailMask.Mask(to.Address) });
    }
}
