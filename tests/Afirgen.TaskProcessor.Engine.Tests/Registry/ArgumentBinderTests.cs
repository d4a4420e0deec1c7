using System.Text.Json.Nodes;
using Afirgen.TaskProcessor.Engine.Registry;

namespace Afirgen.TaskProcessor.Engine.Tests.Registry;

/// <summary>Binding follows Python's rules; mistakes read as Python's TypeErrors.</summary>
public sealed class ArgumentBinderTests
{
    private const string Task = "afirgen_tasks.email.send_notification";
    private static readonly TaskParameter[] Parameters =
    [
        TaskParameter.RequiredParameter("recipient_email"),
        TaskParameter.RequiredParameter("subject"),
        TaskParameter.RequiredParameter("body"),
        TaskParameter.Optional("priority", 3),
    ];

    [Fact]
    public void Bind_AllKwargs_AsAfirgenSendsThem()
    {
        var bound = ArgumentBinder.Bind(Task, Parameters, [], new JsonObject { ["recipient_email"] = "a@b.org", ["subject"] = "s", ["body"] = "b", ["priority"] = 8 });
        Assert.Equal(8, bound["priority"]!.GetValue<int>());
        Assert.Equal("a@b.org", bound["recipient_email"]!.GetValue<string>());
    }

    [Fact]
    public void Bind_MixedPositionalAndKeyword_AppliesDefaults()
    {
        var bound = ArgumentBinder.Bind(Task, Parameters, ["a@b.org", "s"], new JsonObject { ["body"] = "b" });
        Assert.Equal("s", bound["subject"]!.GetValue<string>());
        Assert.Equal(3, bound["priority"]!.GetValue<int>());
    }

    [Fact]
    public void Bind_NamesTheMissingArguments()
    {
        var ex = Assert.Throws<TaskArgumentException>(() => ArgumentBinder.Bind(Task, Parameters, ["a@b.org"], []));
        Assert.Equal("send_notification() missing 2 required positional arguments: 'subject' and 'body'", ex.Message);
        Assert.Equal("TypeError", ex.PythonType);
    }

    [Fact]
    public void Bind_NamesTheUnexpectedKeyword()
    {
        var ex = Assert.Throws<TaskArgumentException>(() => ArgumentBinder.Bind(Task, Parameters, [], new JsonObject { ["recipient"] = "a@b.org" }));
        Assert.Equal("send_notification() got an unexpected keyword argument 'recipient'", ex.Message);
    }

    [Fact]
    public void Bind_RefusesAValueGivenTwice()
    {
        var ex = Assert.Throws<TaskArgumentException>(() => ArgumentBinder.Bind(Task, Parameters, ["a@b.org"], new JsonObject { ["recipient_email"] = "c@d.org", ["subject"] = "s", ["body"] = "b" }));
        Assert.Equal("send_notification() got multiple values for argument 'recipient_email'", ex.Message);
    }

    [Fact]
    public void Bind_RefusesTooManyPositionals()
    {
        var ex = Assert.Throws<TaskArgumentException>(() => ArgumentBinder.Bind(Task, Parameters, [1, 2, 3, 4, 5], []));
        Assert.Equal("send_notification() takes 4 positional arguments but 5 were given", ex.Message);
    }
}
