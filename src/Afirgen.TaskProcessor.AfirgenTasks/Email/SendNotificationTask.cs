using System.Text.Json.Nodes;
using Afirgen.TaskProcessor.AfirgenTasks.Privacy;
using Afirgen.TaskProcessor.Engine.Registry;

namespace Afirgen.TaskProcessor.AfirgenTasks.Email;

/// <summary>
/// <c>send_notification(recipient_email, subject, body, priority=3)</c>. <c>priority</c> is accepted because
/// AFIRGen's callers pass it as a kwarg; the message's own priority already decided when this runs.
/// Result: <c>recipient</c> (masked), <c>subject</c>.
/// </summary>
public sealed class SendNotificationTask(MailDelivery delivery) : ITaskHandler
{
    public async ValueTask<JsonNode?> RunAsync(TaskContext context)
    {
        var to = EmailAddresses.Parse(context.Get<string>("recipient_email"), "recipient_email");
        var subject = context.Get<string>("subject");
        var message = NotificationMail.Compose(delivery.From, to, subject, context.Get<string>("body"));

        var sent = await delivery.SendOnceAsync(context, message, to.Address).ConfigureAwait(false);
        return TaskResult.Success(
            sent ? "Notification sent" : "Notification was already sent",
            new JsonObject { ["recipient"] = EmailMask.Mask(to.Address), ["subject"] = subject });
    }
}
