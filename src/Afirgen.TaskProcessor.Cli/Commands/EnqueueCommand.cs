using System.CommandLine;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Afirgen.TaskProcessor.Cli.Commands;

/// <summary><c>afirgen-tasks enqueue NAME</c>: Celery's <c>send_task</c> from a terminal, through the API.</summary>
internal static class EnqueueCommand
{
    public static Command Create()
    {
        var name = new Argument<string>("name") { Description = "The task name, e.g. diagnostics.echo or afirgen_tasks.email.send_fir_confirmation." };
        var args = new Option<string?>("--args") { Description = "Positional arguments as a JSON list, e.g. '[\"FIR-1\"]'." };
        var kwargs = new Option<string?>("--kwargs") { Description = "Keyword arguments as a JSON object, e.g. '{\"fir_id\": \"FIR-1\"}'." };
        var kwargsFile = new Option<string?>("--kwargs-file") { Description = "Read the keyword arguments (a JSON object) from this file, or from standard input with '-': for kwargs too large for a command line." };
        var priority = new Option<int?>("--priority", "-p") { Description = "1 (lowest) to 10 (highest); default: the queue's." };
        var queue = new Option<string?>("--queue", "-q") { Description = "Send to this queue instead of the routed one." };
        var countdown = new Option<double?>("--countdown") { Description = "Run no sooner than this many seconds from now." };
        var eta = new Option<string?>("--eta") { Description = "Run no sooner than this time (ISO 8601)." };
        var expires = new Option<double?>("--expires") { Description = "Revoke instead of run if not started within this many seconds." };
        var wait = new Option<bool>("--wait", "-w") { Description = "Wait for the task to finish and print its result." };
        var api = CliOptions.Api();
        var json = CliOptions.Json();

        var command = new Command("enqueue", "Enqueue a task through the HTTP API and print its id.")
        {
            name, args, kwargs, kwargsFile, priority, queue, countdown, eta, expires, wait, api, json,
        };
        command.SetAction(async (parse, cancellationToken) =>
        {
            if (parse.GetValue(kwargs) is not null && parse.GetValue(kwargsFile) is not null)
            {
                throw new CliException("Give the keyword arguments once: --kwargs or --kwargs-file, not both.", 1);
            }
            var kwargsJson = parse.GetValue(kwargsFile) is { } file
                ? ParseJson(ReadFile(file), "--kwargs-file")
                : ParseJson(parse.GetValue(kwargs), "--kwargs");
            var body = new JsonObject
            {
                ["name"] = parse.GetValue(name),
                ["args"] = ParseJson(parse.GetValue(args), "--args") ?? new JsonArray(),
                ["kwargs"] = kwargsJson ?? new JsonObject(),
            };
            if (parse.GetValue(priority) is { } p) body["priority"] = p;
            if (parse.GetValue(queue) is { } q) body["queue"] = q;
            if (parse.GetValue(countdown) is { } c) body["countdown"] = c;
            if (parse.GetValue(eta) is { } e) body["eta"] = e;
            if (parse.GetValue(expires) is { } x) body["expires"] = x;

            using var client = new ApiClient(parse.GetValue(api)!);
            var (status, response) = await client.PostAsync("api/tasks", body, cancellationToken);
            if (status != 202)
            {
                throw ApiClient.Refused("The task was not enqueued", status, response);
            }
            var id = response!["id"]!.GetValue<string>();
            if (!parse.GetValue(wait))
            {
                Console.WriteLine(parse.GetValue(json)
                    ? ApiClient.Show(response)
                    : $"Enqueued {id} ({response["name"]}) on queue {response["queue"]} at priority {response["priority"]}. Follow it with: afirgen-tasks status {id}");
                return 0;
            }
            return await StatusCommand.WaitAndPrintAsync(client, id, parse.GetValue(json), TimeSpan.FromMinutes(5), cancellationToken);
        });
        return command;
    }

    private static string ReadFile(string path)
    {
        try
        {
            return path == "-" ? Console.In.ReadToEnd() : File.ReadAllText(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new CliException($"--kwargs-file: {path} cannot be read ({ex.Message}).", 1);
        }
    }

    private static JsonNode? ParseJson(string? text, string option)
    {
        if (text is null)
        {
            return null;
        }
        try
        {
            return JsonNode.Parse(text);
        }
        catch (JsonException ex)
        {
            throw new CliException(option == "--kwargs-file"
                ? $"--kwargs-file does not hold valid JSON ({ex.Message}); it takes one JSON object, e.g. {{\"fir_id\": \"FIR-1\"}}."
                : $"{option} is not valid JSON ({ex.Message}). Quote it for your shell, e.g. {option} '{{\"fir_id\": \"FIR-1\"}}', or use --kwargs-file for large arguments.", 1);
        }
    }
}
