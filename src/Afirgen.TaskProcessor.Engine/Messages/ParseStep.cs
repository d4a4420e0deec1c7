namespace Afirgen.TaskProcessor.Engine.Messages;

/// <summary>
/// One step of reading a message: the value read, or the sentence that says why it could not be read. The parser's
/// single result style (no exceptions, no tuples): each step returns one, and the first problem becomes the message's
/// <see cref="ParseOutcome.Rejected"/>. A value, so reading allocates nothing to say how it went.
/// </summary>
internal readonly struct ParseStep<T>
{
    private ParseStep(T value, string? problem)
    {
        Value = value;
        Problem = problem;
    }

    /// <summary>What was read (default when <see cref="Failed"/>).</summary>
    public T Value { get; }

    /// <summary>Why it could not be read, in a sentence; null when it was.</summary>
    public string? Problem { get; }

    public bool Failed => Problem is not null;

    public static ParseStep<T> Ok(T value) => new(value, null);

    public static ParseStep<T> Fail(string problem) => new(default!, problem);

    /// <summary>This step's problem, as the failure of a step that reads <typeparamref name="TOther"/>.</summary>
    public ParseStep<TOther> FailAs<TOther>() => ParseStep<TOther>.Fail(Problem!);
}
