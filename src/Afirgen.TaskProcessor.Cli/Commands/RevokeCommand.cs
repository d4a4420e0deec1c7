using System.CommandLine;
using System.Text.Json.Nodes;

namespace Afirgen.TaskProcessor.Cli.Commands;

/// <summary>
/// <c>afirgen-tasks revoke ID [--terminate]</c>: Celery's <c>celery control revoke</c>, which cannot reach
/// workers on Service Bus; this goes through the HTTP API, which every instance shares through Redis.
/// </summary>
internal static class RevokeCommand
{
    public static Command Create()
    {
        var id = new Argument<string>("id") { Description = "The id of the task to revoke." };
        var terminate = new Option<bool>("--terminate", "-t") { Description = "Also stop the task if it is running now (its handler is cancelled)." };
        var api = CliOptions.Api();
        var json = CliOptions.Json();
        var command = new Command("revoke", "Revoke a task: it will not run, and with --terminate a run in progress is stopped.") { id, terminate, api, json };
        command.SetAction(async (parse, cancellationToken) =>
        {
            using var client = new ApiClient(parse.GetValue(api)!);
            var taskId = parse.GetValue(id)!;
            var (status, body) = await client.PostAsync($"api/tasks/{Uri.EscapeDataString(taskId)}/revoke",
                new JsonObject { ["terminate"] = parse.GetValue(terminate) }, cancellationToken);
            if (status != 200)
            {
                throw ApiClient.Refused($"Task {taskId} was not revoked", status, body);
            }
            if (parse.GetValue(json))
            {
                Console.WriteLine(ApiClient.Show(body));
            }
            else
            {
                Console.WriteLine(Outcome(taskId, body?["previousState"]?.GetValue<string>(), parse.GetValue(terminate)));
            }
            return 0;
        });
        return command;
    }

    /// <summary>What the revoke did, in words: the API records it in every case, but what that means depends on where the task was.</summary>
    private static string Outcome(string id, string? previous, bool terminate) => previous switch
    {
        null => $"Task {id} is not known here (never enqueued through this processor, or its result expired): nothing was running. " +
            "The revoke is kept (TaskProcessor:Revocation:Expires, 7 days) and stops the task if it is delivered later.",
        "SUCCESS" or "FAILURE" or "REVOKED" => $"Task {id} had already finished ({previous}): nothing was running, and nothing changed; " +
            "the revoke only keeps a later delivery of it from running.",
        "STARTED" when terminate => $"Revoked {id} (was STARTED): its run is being cancelled and will end REVOKED.",
        "STARTED" => $"Revoked {id} (was STARTED): the run in progress goes on to its end (pass --terminate to stop it); no later delivery of it will run.",
        _ => $"Revoked {id} (was {previous}): it will not run.",
    };
}
