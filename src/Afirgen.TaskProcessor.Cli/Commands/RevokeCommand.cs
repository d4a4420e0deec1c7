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
                throw new CliException($"The API answered {status}: {ApiClient.Describe(body)}", 2);
            }
            if (parse.GetValue(json))
            {
                Console.WriteLine(body!.ToJsonString());
            }
            else
            {
                Console.WriteLine($"Revoked {taskId} (was {body?["previousState"]?.GetValue<string>() ?? "not yet seen"}).");
                Console.WriteLine(body?["message"]?.GetValue<string>());
            }
            return 0;
        });
        return command;
    }
}
