// Log Analytics workspace and a workspace-based Application Insights component with local
// (instrumentation-key) authentication disabled: telemetry is accepted only with an Entra ID token.

@description('Name of the Log Analytics workspace.')
param logAnalyticsName string

@description('Name of the Application Insights component.')
param applicationInsightsName string

@description('Azure region of both resources.')
param location string

@description('Tags applied to both resources.')
param tags { *: string } = {}

@description('Days the workspace keeps data.')
@minValue(30)
@maxValue(730)
param retentionInDays int = 30

resource logAnalytics 'Microsoft.OperationalInsights/workspaces@2026-03-01' = {
  name: logAnalyticsName
  location: location
  tags: tags
  properties: {
    sku: {
      name: 'PerGB2018'
    }
    retentionInDays: retentionInDays
    features: {
      disableLocalAuth: true
    }
  }
}

resource applicationInsights 'Microsoft.Insights/components@2020-02-02' = {
  name: applicationInsightsName
  location: location
  tags: tags
  kind: 'web'
  properties: {
    Application_Type: 'web'
    WorkspaceResourceId: logAnalytics.id
    DisableLocalAuth: true
  }
}

@description('Name of the Application Insights component.')
output name string = applicationInsights.name

@description('Resource id of the Application Insights component.')
output resourceId string = applicationInsights.id

@description('Resource id of the Log Analytics workspace.')
output logAnalyticsResourceId string = logAnalytics.id

@description('Application Insights connection string (not a secret: with local auth disabled it only names the endpoint).')
output connectionString string = applicationInsights.properties.ConnectionString
