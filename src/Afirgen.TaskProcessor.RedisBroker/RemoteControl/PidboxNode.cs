using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Afirgen.TaskProcessor.Engine.Running;
using Afirgen.TaskProcessor.RedisBroker.Broadcast;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using StackExchange.Redis;

namespace Afirgen.TaskProcessor.RedisBroker.RemoteControl;

/// <summary>
/// This worker's node in Celery's remote control (kombu's <c>pidbox</c>, <c>kombu/pidbox.py</c>): it listens on the
/// <c>celery.pidbox</c> fanout exchange (on Redis the channel <c>/&lt;db&gt;.celery.pidbox</c>, kombu's key prefix
/// before it), runs each command addressed to it (no <c>destination</c>, or one naming this worker, or a
/// <c>pattern</c> it matches by <c>matcher</c> glob or pcre) and, when the request has a <c>reply_to</c>, answers
/// <c>{"&lt;worker name&gt;": reply}</c> with the request's ticket on the reply exchange (<c>reply.celery.pidbox</c>,
/// direct: the caller's reply list). Commands run one at a time, in the order they come, as in Celery's worker.
/// </summary>
/// <remarks>
/// A request is a broadcast: a worker that is disconnected when it is sent never sees it (as with Celery). A revoke's
/// effect does not depend on that: it is kept in the result store, which every worker checks before it runs a task.
/// </remarks>
internal sealed partial class PidboxNode(
    KombuExchanges exchanges, ControlPanel panel, LamportClock clock, WorkerIdentity worker, ILogger<PidboxNode> logger) : BackgroundService
{
    /// <summary>Celery's control exchange (<c>control_exchange</c> "celery" + kombu's <c>%s.pidbox</c>).</summary>
    public const string Exchange = "celery.pidbox";

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        ChannelMessageQueue? requests = null;
        while (requests is null)
        {
            try
            {
                requests = await exchanges.SubscribeAsync(Exchange).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is RedisException or TimeoutException)
            {
                LogSubscribeFailed(logger, ex);
                try
                {
                    await Task.Delay(TimeSpan.FromSeconds(2), stoppingToken).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
        }
        LogListening(logger, worker.Name, exchanges.Channel(Exchange).ToString());
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                var request = await requests.ReadAsync(stoppingToken).ConfigureAwait(false);
                await HandleAsync((byte[])request.Message!, stoppingToken).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException)
        {
        }
        catch (System.Threading.Channels.ChannelClosedException)
        {
        }
        finally
        {
            try
            {
                await requests.UnsubscribeAsync().ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is RedisException or TimeoutException)
            {
                // Stopping while Redis is away: the subscription ends with the connection.
            }
        }
    }

    /// <summary>Runs one request and answers it; anything unreadable is logged and dropped (no reply is possible).</summary>
    internal async Task HandleAsync(byte[] envelope, CancellationToken cancellationToken)
    {
        if (KombuEnvelope.Read(envelope) is not ({ } body, var headers) || body is not JsonObject request
            || request["method"] is not JsonValue m || !m.TryGetValue(out string? method))
        {
            LogUnreadable(logger);
            return;
        }
        if (headers["clock"] is JsonValue c && c.TryGetValue(out long theirs))
        {
            clock.Adjust(theirs);
        }
        else
        {
            clock.Forward();
        }
        if (!IsForMe(request))
        {
            return;
        }
        var arguments = request["arguments"] as JsonObject ?? [];
        LogCommand(logger, method);
        var result = await panel.DispatchAsync(method, arguments, cancellationToken).ConfigureAwait(false);
        if (!result.Send || request["reply_to"] is not JsonObject replyTo
            || replyTo["exchange"] is not JsonValue e || !e.TryGetValue(out string? exchange)
            || replyTo["routing_key"] is not JsonValue r || !r.TryGetValue(out string? routingKey))
        {
            return;
        }
        var ticket = request["ticket"]?.DeepClone();
        var reply = KombuEnvelope.Create(new JsonObject { [worker.Name] = result.Reply },
            new JsonObject { ["ticket"] = ticket, ["clock"] = clock.Forward() }, exchange, routingKey);
        try
        {
            // No queue bound (the caller gave up waiting): nobody to tell, as kombu drops it.
            await exchanges.PutDirectAsync(exchange, routingKey, reply).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException)
        {
            LogReplyFailed(logger, ex, method);
        }
    }

    // kombu's Node.handle_message: a destination list naming this worker, else a pattern it matches, else everyone.
    private bool IsForMe(JsonObject request)
    {
        if (request["destination"] is JsonArray { Count: > 0 } destination)
        {
            return destination.Any(d => d is JsonValue v && v.TryGetValue(out string? name) && name == worker.Name);
        }
        if (request["pattern"] is JsonValue p && p.TryGetValue(out string? pattern) && pattern.Length > 0
            && request["matcher"] is JsonValue mv && mv.TryGetValue(out string? matcher) && matcher.Length > 0)
        {
            return matcher switch
            {
                "glob" => Regex.IsMatch(worker.Name, GlobToRegex(pattern), RegexOptions.CultureInvariant, TimeSpan.FromSeconds(1)),
                "pcre" => Regex.IsMatch(worker.Name, @"\A(?:" + pattern + ")", RegexOptions.CultureInvariant, TimeSpan.FromSeconds(1)),
                _ => false, // kombu: MatcherNotInstalled
            };
        }
        return true;
    }

    // Python's fnmatch.translate, for the characters it gives meaning to.
    private static string GlobToRegex(string glob)
    {
        var regex = new System.Text.StringBuilder(@"\A");
        for (var i = 0; i < glob.Length; i++)
        {
            var ch = glob[i];
            switch (ch)
            {
                case '*': regex.Append(".*"); break;
                case '?': regex.Append('.'); break;
                case '[':
                    var close = glob.IndexOf(']', i + 2);
                    if (close < 0)
                    {
                        regex.Append(@"\[");
                        break;
                    }
                    var set = glob[(i + 1)..close];
                    regex.Append('[').Append(set.StartsWith('!') ? "^" + Regex.Escape(set[1..]) : Regex.Escape(set)).Append(']');
                    i = close;
                    break;
                default: regex.Append(Regex.Escape(ch.ToString())); break;
            }
        }
        return regex.Append(@"\z").ToString();
    }

    [LoggerMessage(2310, LogLevel.Information, "Answering Celery's remote control as {Worker} on {Channel}")]
    private static partial void LogListening(ILogger logger, string worker, string channel);

    [LoggerMessage(2311, LogLevel.Warning, "Could not subscribe to Celery's remote control yet; trying again every 2 s")]
    private static partial void LogSubscribeFailed(ILogger logger, Exception exception);

    [LoggerMessage(2312, LogLevel.Warning, "A remote control message that is not kombu's JSON envelope of a command was dropped")]
    private static partial void LogUnreadable(ILogger logger);

    [LoggerMessage(2313, LogLevel.Debug, "Remote control command {Method}")]
    private static partial void LogCommand(ILogger logger, string method);

    [LoggerMessage(2314, LogLevel.Warning, "The reply to remote control command {Method} could not be sent")]
    private static partial void LogReplyFailed(ILogger logger, Exception exception, string method);
}
