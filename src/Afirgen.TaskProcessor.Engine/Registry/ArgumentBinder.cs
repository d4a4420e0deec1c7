using System.Text.Json.Nodes;

namespace Afirgen.TaskProcessor.Engine.Registry;

/// <summary>
/// Binds a call's positional args and kwargs to a task's parameters exactly as Python binds a call:
/// positional first, in order; then keywords by name; then defaults. Mistakes are
/// <see cref="TaskArgumentException"/>s worded as Python's <c>TypeError</c>s.
/// </summary>
public static class ArgumentBinder
{
    public static IReadOnlyDictionary<string, JsonNode?> Bind(string taskName, IReadOnlyList<TaskParameter> parameters, JsonArray args, JsonObject kwargs)
    {
        var bound = new Dictionary<string, JsonNode?>(parameters.Count, StringComparer.Ordinal);
        var shortName = taskName[(taskName.LastIndexOf('.') + 1)..];

        if (args.Count > parameters.Count)
        {
            throw new TaskArgumentException(
                $"{shortName}() takes {parameters.Count} positional argument{Plural(parameters.Count)} but {args.Count} {(args.Count == 1 ? "was" : "were")} given");
        }
        for (var i = 0; i < args.Count; i++)
        {
            bound[parameters[i].Name] = args[i]?.DeepClone();
        }

        BindKeywords(shortName, parameters, kwargs, bound);
        BindDefaults(shortName, parameters, bound);
        return bound;
    }

    // Static, like Bind: it runs for every task, and the split adds no allocation.
    private static void BindKeywords(string shortName, IReadOnlyList<TaskParameter> parameters, JsonObject kwargs, Dictionary<string, JsonNode?> bound)
    {
        foreach (var (name, value) in kwargs)
        {
            var known = false;
            foreach (var p in parameters)
            {
                if (p.Name == name)
                {
                    known = true;
                    break;
                }
            }
            if (!known)
            {
                throw new TaskArgumentException($"{shortName}() got an unexpected keyword argument '{name}'");
            }
            if (bound.ContainsKey(name))
            {
                throw new TaskArgumentException($"{shortName}() got multiple values for argument '{name}'");
            }
            bound[name] = value?.DeepClone();
        }
    }

    private static void BindDefaults(string shortName, IReadOnlyList<TaskParameter> parameters, Dictionary<string, JsonNode?> bound)
    {
        List<string>? missing = null;
        foreach (var p in parameters)
        {
            if (bound.ContainsKey(p.Name))
            {
                continue;
            }
            if (p.Required)
            {
                (missing ??= []).Add(p.Name);
            }
            else
            {
                bound[p.Name] = p.Default?.DeepClone();
            }
        }
        if (missing is not null)
        {
            var names = missing.Count == 1
                ? $"'{missing[0]}'"
                : string.Join(", ", missing.Take(missing.Count - 1).Select(m => $"'{m}'")) + $" and '{missing[^1]}'";
            throw new TaskArgumentException($"{shortName}() missing {missing.Count} required positional argument{Plural(missing.Count)}: {names}");
        }
    }

    private static string Plural(int n) => n == 1 ? "" : "s";
}
