namespace Afirgen.TaskProcessor.Api.Tasks;

/// <summary>
/// What a producer-chosen task id may be: 1 to 64 characters, each a letter, a digit, or one of <c>- _ . :</c>
/// (a UUID, Celery's own choice, is 36). The id becomes a Redis key, a broker message id (Service Bus takes
/// 128 characters, and retries and replays add a suffix), a URL path segment and a <c>Location</c> header, so it
/// must need no escaping anywhere: no control characters, no <c>/</c>, no spaces.
/// </summary>
internal static class TaskIdRule
{
    public const int MaxLength = 64;

    /// <summary>Null when <paramref name="id"/> may be used, else a sentence saying what is wrong.</summary>
    public static string? Check(string id)
    {
        if (id.Length > MaxLength)
        {
            return $"'task_id' must be at most {MaxLength} characters (it is {id.Length}); leave it out to get a new UUID.";
        }
        foreach (var c in id)
        {
            if (!(char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.' or ':'))
            {
                return $"'task_id' may hold only letters, digits and - _ . : (it has {Describe(c)}); leave it out to get a new UUID.";
            }
        }
        return null;
    }

    private static string Describe(char c) => char.IsControl(c) || char.IsWhiteSpace(c)
        ? $"the character U+{(int)c:X4}"
        : $"'{c}'";
}
