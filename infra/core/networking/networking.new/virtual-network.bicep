// The virtual network of private networking: one subnet for the private endpoints and one per function
// app, delegated to Microsoft.App/environments (what Flex Consumption's VNet integration requires). Each
// app gets its own subnet because it takes an address per instance: one worker group scaling out cannot
// use up another's addresses. Every subnet is private (no default outbound access); the apps' subnets go
// out through the NAT gateway.

@description('Name of the virtual network.')
param name string

@description('Azure region of the virtual network.')
param location string

@description('Tags applied to the virtual network.')
param tags { *: string } = {}

@description('Address space, e.g. 10.40.0.0/16: /24 number 0 holds the private endpoints, /24 number i+1 the i-th app.')
param addressPrefix string

@description('Names of the apps\' subnets, one per function app, in worker group order.')
param appSubnetNames string[]

@description('Resource id of the NAT gateway the apps\' subnets go out through.')
param natGatewayId string

var privateEndpointSubnetName = 'private-endpoints'

resource vnet 'Microsoft.Network/virtualNetworks@2026-03-01' = {
  name: name
  location: location
  tags: tags
  properties: {
    addressSpace: {
      addressPrefixes: [
        addressPrefix
      ]
    }
    subnets: concat(
      [
        {
          name: privateEndpointSubnetName
          properties: {
            addressPrefix: cidrSubnet(addressPrefix, 24, 0)
            defaultOutboundAccess: false
            privateEndpointNetworkPolicies: 'Disabled'
          }
        }
      ],
      map(range(0, length(appSubnetNames)), i => {
        name: appSubnetNames[i]
        properties: {
          addressPrefix: cidrSubnet(addressPrefix, 24, i + 1)
          defaultOutboundAccess: false
          natGateway: {
            id: natGatewayId
          }
          delegations: [
            {
              name: 'flex-consumption'
              properties: {
                serviceName: 'Microsoft.App/environments'
              }
            }
          ]
        }
      })
    )
  }
}

@description('Name of the virtual network.')
output name string = vnet.name

@description('Resource id of the virtual network.')
output resourceId string = vnet.id

@description('Resource id of the private endpoints\' subnet.')
output privateEndpointSubnetId string = resourceId('Microsoft.Network/virtualNetworks/subnets', vnet.name, privateEndpointSubnetName)

@description('Resource ids of the apps\' subnets, in the order of appSubnetNames.')
output appSubnetIds string[] = [for subnetName in appSubnetNames: resourceId('Microsoft.Network/virtualNetworks/subnets', vnet.name, subnetName)]
