namespace Afirgen.TaskProcessor.AfirgenTasks.Privacy;

/// <summary>
/// E-mail addresses as logs and results may show them: the first character of the local part and the
/// domain (<c>rahul.sharma@example.com</c> → <c>r***@example.com</c>), enough to tell two apart in an
/// incident, not enough to write to the person.
/// </summary>
public static class EmailMask
{
    public static string Mask(string? address)
    {
        if (string.IsNullOrWhiteSpace(address))
        {
            return "(none)";
        }
        var at = address.LastIndexOf('@');
        if (at <= 0 || at == address.Length - 1)
        {
            return "***";
        }
        return $"{address[0]}***@{address[(at + 1)..]}";
    }
}
